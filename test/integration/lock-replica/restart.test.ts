import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'

import {DsysLockBackend} from '../../../src/bench/lock/dsys-lock-backend.js'
import type {Grant} from '../../../src/bench/lock/lock-backend.js'
import {lockReplicaSubsystem} from '../../../src/runtime/cluster/subsystems.js'
import {ReplicaTestCluster} from '../kv-replica/replica-cluster.js'

/**
 * Every replica is killed with SIGKILL and restarted: the locks and queues
 * come back from the log, and what their deadlines ended during the outage
 * has ended (a lease expired and passed to its waiter, a wait timed out).
 */
describe('lock replica: all replicas killed and restarted', () => {
  let cluster: ReplicaTestCluster
  let backend: DsysLockBackend

  beforeAll(async () => {
    // Snapshots every few entries: the restart recovers the table from a snapshot and the log after it.
    cluster = await ReplicaTestCluster.start({snapshotEntries: 4}, 3, lockReplicaSubsystem)
    backend = new DsysLockBackend(`http://${cluster.names.map((n) => new URL(cluster.urls[n]).host).join(',')}`, 8)
  })
  afterAll(async () => {
    await backend?.close()
    await cluster?.stop()
  })

  /** GET /locks/:name at the leader (a linearizable read). */
  async function inspect(lock: string): Promise<Record<string, unknown>> {
    const res = await cluster.raw(await cluster.waitForLeader(), 'GET', `/locks/${lock}`)
    expect(res.status).toBe(200)
    return res.body
  }

  /** An acquire that waits in the queue; its answer is lost when the replicas die. */
  async function enqueue(client: number, lock: string, owner: string, waitMs: number, queued: number): Promise<void> {
    void backend.acquire(client, lock, owner, 10_000, waitMs).catch(() => undefined)
    await vi.waitFor(async () => expect((await inspect(lock)).waiting).toBe(queued), {timeout: 5_000, interval: 20})
  }

  it('keeps a live holder with its token and the waiters in order; ends the leases and waits whose time passed', async () => {
    await cluster.waitForLeader()
    const a = (await backend.acquire(0, 'held', 'A', 60_000, 0)) as Grant
    await enqueue(1, 'held', 'B', 30_000, 1)
    await enqueue(2, 'held', 'C', 30_000, 2)
    await enqueue(3, 'held', 'F', 1_000, 3)
    const d = (await backend.acquire(4, 'short', 'D', 1_500, 0)) as Grant
    await enqueue(5, 'short', 'E', 30_000, 1)
    expect((await cluster.health(await cluster.waitForLeader()))?.snapshotIndex).toBeGreaterThan(0)

    for (const name of cluster.names) cluster.kill(name)
    await Promise.all(cluster.names.map((name) => cluster.restart(name)))

    // A still holds "held" with the same token; F's wait ended, so B and C wait.
    await vi.waitFor(async () => expect(await inspect('held')).toMatchObject({holder: 'A', token: a.token, waiting: 2}), {timeout: 10_000, interval: 50})
    // D's lease ended: "short" went to E, its waiter, with a higher token.
    await vi.waitFor(async () => expect(await inspect('short')).toMatchObject({holder: 'E', waiting: 0}), {timeout: 10_000, interval: 50})
    expect((await inspect('short')).token as number).toBeGreaterThan(d.token as number)
    expect((await cluster.raw(await cluster.waitForLeader(), 'POST', '/locks/held/renew', JSON.stringify({owner: 'A', token: a.token, ttlMs: 60_000}))).status).toBe(200)

    // B and C ask again, C first: each takes its own place back, so B, queued first before the crash, is granted first.
    const c = backend.acquire(2, 'held', 'C', 10_000, 30_000)
    const b = backend.acquire(1, 'held', 'B', 10_000, 30_000)
    await vi.waitFor(async () => expect((await cluster.health(await cluster.waitForLeader()))?.pendingRequests).toBe(2), {timeout: 5_000, interval: 20})
    expect((await inspect('held')).waiting).toBe(2)
    expect(await backend.release(0, 'held', 'A', a)).toBe(true)
    const bGrant = (await b) as Grant
    expect(bGrant.token).toBeGreaterThan(a.token as number)
    expect(await inspect('held')).toMatchObject({holder: 'B', waiting: 1})
    expect(await backend.release(1, 'held', 'B', bGrant)).toBe(true)
    const cGrant = (await c) as Grant
    expect(cGrant.token).toBeGreaterThan(bGrant.token as number)
  })
})
