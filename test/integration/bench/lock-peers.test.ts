import {request} from 'undici'
import {describe, expect, test} from 'vitest'

import type {LockBackend} from '../../../src/bench/lock/lock-backend.js'
import {LockWorkload} from '../../../src/bench/lock/lock-workload.js'
import {runLoad} from '../../../src/bench/run-load.js'
import {PreflightError} from '../../../src/bench/workload.js'
import {resolveLockTarget} from '../../../src/cli/lock-targets.js'
import {UsageError} from '../../../src/core/common/usage-error.js'
import {findNode, requireClusterState} from '../../../src/runtime/cluster/cluster-state.js'
import {PEER_KINDS} from '../../../src/runtime/cluster/peers/peers.js'
import {freePorts} from '../../../src/runtime/cluster/ports.js'
import {killNode, restartNode} from '../../../src/runtime/cluster/supervisor.js'
import {waitUntilStopped} from '../../support/stopped-process.js'
import {clusterForTests} from '../cli/cluster-fixture.js'

const missing = PEER_KINDS.flatMap((p) => {
  const what = p.missing()
  return what ? [`${p.kind}: ${what} (Debian package ${p.debianPackage}; .ci/run installs it)`] : []
})
if (missing.length > 0) console.warn(`skipping the peer lock target tests: ${missing.join('; ')}`)

/** Long enough that a waiter left queued would still block the lock when the test looks. */
const LONG_LEASE_MS = 20_000

describe.skipIf(missing.length > 0)('etcd, ZooKeeper and Redlock as bench lock targets', () => {
  // One cluster for the file: the ZooKeeper JVM's start dominates.
  const {dataDir, dsys} = clusterForTests(['--etcd', '1', '--zookeeper', '1', '--redis', '3'])
  const target = (name: string) => resolveLockTarget(name, {dataDir, clients: 8, retryDelayMs: 1})
  const address = (name: string): string => {
    const node = findNode(requireClusterState(dataDir), name)
    return `${node.host}:${node.port}`
  }

  /** The IDs of etcd's live leases. */
  async function etcdLeases(): Promise<string[]> {
    const res = await request(`http://${address('etcd-1')}/v3/lease/leases`, {method: 'POST', body: '{}'})
    const body = (await res.body.json()) as {leases?: Array<{ID: string}>}
    return (body.leases ?? []).map((l) => l.ID).sort()
  }

  async function closing<T>(backend: LockBackend, body: (b: LockBackend) => Promise<T>): Promise<T> {
    try {
      return await body(backend)
    } finally {
      await backend.close()
    }
  }

  test.each([
    ['etcd', ['etcd-1'], /^yes: the lock key's create revision$/],
    ['zookeeper', ['zookeeper-1'], /^yes: the lock node's sequence number$/],
    ['redlock', ['redis-1', 'redis-2', 'redis-3'], /^no:/],
  ])('%s: 8 clients on one lock take turns, no holds overlap and tokens strictly increase', async (name, nodes, fencing) => {
    const resolved = target(name)
    expect(resolved.nodes).toEqual(nodes)
    await resolved.backend.preflight()
    const workload = new LockWorkload(resolved.backend, {clients: 8, locks: 1, holdMs: 0, ttlMs: 5_000, waitMs: 5_000, seed: 1})
    const report = await runLoad(workload, {clients: 8, durationMs: 1_500, warmupMs: 0})
    expect(report.errorsByKind).toEqual({})
    expect(report.ops).toBeGreaterThan(8)
    expect(report.fencingTokens).toMatch(fencing)
    // The resource counts a grant whose token is not above every earlier one, and a holder entering during another's lease.
    expect(report.safety).toMatchObject({violations: 0, overlaps: 0, tokenOrderViolations: 0})
  })

  test.each(['etcd', 'zookeeper', 'redlock'])('%s: a wait that times out leaves nothing queued, so the next client gets the lock once the holder releases', async (name) => {
    await closing(target(name).backend, async (backend) => {
      const held = await backend.acquire(0, 'waits', 'holder', LONG_LEASE_MS, 1_000)
      expect(held).toBeDefined()
      const leasesBefore = name === 'etcd' ? await etcdLeases() : []
      const started = Date.now()
      // Over a second: undici's coarse timers (past 1 s) must not end an etcd wait early or as an error.
      expect(await backend.acquire(1, 'waits', 'gives-up', LONG_LEASE_MS, 1_500)).toBeUndefined()
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_450)
      // etcd cancels an aborted Lock itself; the revoke is for when that cancel never reaches it: the lease must be gone either way.
      if (name === 'etcd') expect(await etcdLeases()).toEqual(leasesBefore)
      expect(await backend.release(0, 'waits', 'holder', held!)).toBe(true)
      // Had the abandoned waiter stayed queued (its lease or session lives on), this wait would end without a grant.
      const next = await backend.acquire(2, 'waits', 'next', LONG_LEASE_MS, 2_000)
      expect(next).toBeDefined()
      if (held!.token !== undefined) expect(next!.token).toBeGreaterThan(held!.token)
      expect(await backend.release(2, 'waits', 'next', next!)).toBe(true)
    })
  })

  test("etcd: a waiter's lease is kept alive while it waits longer than its TTL, and the grant's lease end is the TTL rounded up to seconds from the request", async () => {
    await closing(target('etcd').backend, async (backend) => {
      const held = await backend.acquire(0, 'keepalive', 'holder', LONG_LEASE_MS, 1_000)
      const sent = Date.now()
      const waiting = backend.acquire(1, 'keepalive', 'waiter', 1_500, 8_000)
      await new Promise((resolve) => setTimeout(resolve, 4_000))
      expect(await backend.release(0, 'keepalive', 'holder', held!)).toBe(true)
      // Had its 2 s lease run out while it waited, its key would be gone and the grant refused as lease-lost.
      const grant = await waiting
      expect(grant!.token).toBeGreaterThan(held!.token!)
      expect(grant!.waitedMs).toBeGreaterThanOrEqual(3_900)
      // 1.5 s asks for 2 s (whole seconds); the lease counts from the last keepalive sent, after the request.
      expect(grant!.expiresAt).toBeGreaterThanOrEqual(sent + 2_000)
      expect(grant!.expiresAt).toBeLessThanOrEqual(Date.now() + 2_000)
      expect(await backend.release(1, 'keepalive', 'waiter', grant!)).toBe(true)
    })
  })

  test('etcd: a member that does not answer is passed over for the next one', async () => {
    const [closedPort] = await freePorts('127.0.0.1', 1)
    const {backend} = resolveLockTarget(`etcd://127.0.0.1:${closedPort},${address('etcd-1')}`, {dataDir, clients: 2, retryDelayMs: 1})
    await closing(backend, async () => {
      await backend.preflight()
      // Client 0 starts on the member that is down, client 1 on etcd-1.
      for (const client of [0, 1]) {
        const grant = await backend.acquire(client, 'members', `client-${client}`, 5_000, 2_000)
        expect(grant?.token, `client ${client}`).toBeGreaterThan(0)
        expect(await backend.release(client, 'members', `client-${client}`, grant!)).toBe(true)
      }
    })
  })

  test('Redlock: a majority of the servers is enough; with fewer reachable an acquire fails as unavailable rather than waiting', async () => {
    const [down1, down2] = await freePorts('127.0.0.1', 2)
    const majority = resolveLockTarget(`redlock://${address('redis-1')},${address('redis-2')},127.0.0.1:${down1}`, {dataDir, clients: 1, retryDelayMs: 1}).backend
    await closing(majority, async () => {
      const grant = await majority.acquire(0, 'quorum', 'client', 5_000, 1_000)
      expect(grant).toBeDefined()
      expect(await majority.release(0, 'quorum', 'client', grant!)).toBe(true)
    })
    const minority = resolveLockTarget(`redlock://${address('redis-1')},127.0.0.1:${down1},127.0.0.1:${down2}`, {dataDir, clients: 1, retryDelayMs: 1}).backend
    await closing(minority, async () => {
      const started = Date.now()
      await expect(minority.acquire(0, 'quorum', 'client', 5_000, 5_000)).rejects.toMatchObject({kind: 'unavailable', message: expect.stringMatching(/1 of 3 Redis servers reachable/)})
      expect(Date.now() - started).toBeLessThan(2_000)
    })
  })

  test('Redlock: a client whose servers were killed and restarted one after another meets them again and locks', async () => {
    await closing(target('redlock').backend, async (backend) => {
      const grant = await backend.acquire(0, 'restarts', 'client', 5_000, 1_000)
      expect(await backend.release(0, 'restarts', 'client', grant!)).toBe(true)
      for (const server of ['redis-1', 'redis-2']) {
        killNode(dataDir, server, 'KILL')
        // The client's connection to the killed server ends on this attempt; a majority still serves it.
        const during = await backend.acquire(0, 'restarts', 'client', 5_000, 1_000)
        expect(await backend.release(0, 'restarts', 'client', during!)).toBe(true)
        await restartNode(dataDir, server, 1_000, 15_000)
      }
      const after = await backend.acquire(0, 'restarts', 'client', 5_000, 1_000)
      expect(after).toBeDefined()
    })
  })

  test('ZooKeeper: a second release of the same grant says the lock was no longer held', async () => {
    await closing(target('zookeeper').backend, async (backend) => {
      const held = await backend.acquire(0, 'lost', 'holder', LONG_LEASE_MS, 1_000)
      expect(await backend.release(0, 'lost', 'holder', held!)).toBe(true)
      expect(await backend.release(0, 'lost', 'holder', held!)).toBe(false)
    })
  })

  test('ZooKeeper: a holder whose process stalls past its session timeout loses the lock to the next client, with a higher token', async () => {
    await closing(target('zookeeper').backend, async (backend) => {
      // 2 s: the cluster's minimum session timeout (2 ticks of 1 s).
      const held = await backend.acquire(0, 'stalled', 'holder', 2_000, 1_000)
      const stallEnds = Date.now() + 4_000
      backend.stall!(0, 4_000)
      const next = await backend.acquire(1, 'stalled', 'next', 2_000, 8_000)
      expect(next).toBeDefined()
      expect(next!.token).toBeGreaterThan(held!.token!)
      expect(next!.waitedMs).toBeGreaterThanOrEqual(2_000)
      // Back from its stall, the old holder finds its session expired: its release says the lock was lost.
      await new Promise((resolve) => setTimeout(resolve, stallEnds - Date.now()))
      expect(await backend.release(0, 'stalled', 'holder', held!)).toBe(false)
      expect(await backend.release(1, 'stalled', 'next', next!)).toBe(true)
      // The stalled client's next acquire opens a new session.
      const again = await backend.acquire(0, 'stalled', 'holder', 2_000, 1_000)
      expect(again!.token).toBeGreaterThan(next!.token!)
      expect(await backend.release(0, 'stalled', 'holder', again!)).toBe(true)
    })
  })

  test('ZooKeeper: while its server does not answer, an acquire fails as unavailable within the session timeout; once it answers again a new session gets the lock', async () => {
    await closing(target('zookeeper').backend, async (backend) => {
      const warm = await backend.acquire(0, 'paused-server', 'first', 2_000, 1_000)
      expect(await backend.release(0, 'paused-server', 'first', warm!)).toBe(true)
      const node = killNode(dataDir, 'zookeeper-1', 'STOP')
      let outcome: unknown
      let started = Date.now()
      try {
        // Until every JVM thread has stopped, the server can still grant (CI once saw a grant 2 ms after the signal).
        await waitUntilStopped(node.pid)
        started = Date.now()
        outcome = await Promise.race([
          backend.acquire(0, 'paused-server', 'first', 2_000, 20_000).then(
            (grant) => grant,
            (err: unknown) => err,
          ),
          new Promise((resolve) => setTimeout(resolve, 6_000, 'still waiting')),
        ])
      } finally {
        killNode(dataDir, 'zookeeper-1', 'CONT')
      }
      expect(outcome).toMatchObject({kind: 'unavailable'})
      expect(Date.now() - started).toBeLessThan(5_000)
      // The first client's session was ended: a lock node its unanswered create may yet make goes with it.
      const next = await backend.acquire(1, 'paused-server', 'second', 2_000, 8_000)
      expect(next).toBeDefined()
      expect(await backend.release(1, 'paused-server', 'second', next!)).toBe(true)
    })
  })

  test('a target that is unreachable or of another kind fails the preflight with one line', async () => {
    const [closedPort] = await freePorts('127.0.0.1', 1)
    const cases: Array<[string, RegExp]> = [
      [`zk://${address('redis-1')}`, /no ZooKeeper answers at/],
      [`zk://${address('etcd-1')}`, /no ZooKeeper answers at/],
      [`etcd://${address('zookeeper-1')}`, /etcd|cannot reach/],
      [`redlock://${address('redis-1')},${address('redis-2')},127.0.0.1:${closedPort}`, /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/],
      [`zk://127.0.0.1:${closedPort}`, /no ZooKeeper answers at 127\.0\.0\.1:\d+: connect ECONNREFUSED/],
      [`etcd://127.0.0.1:${closedPort}`, /cannot reach/],
    ]
    for (const [url, message] of cases) {
      const {backend} = resolveLockTarget(url, {dataDir, clients: 1, retryDelayMs: 1})
      const failure = await backend.preflight().then(
        () => undefined,
        (err: Error) => err,
      )
      await backend.close()
      expect(failure, url).toBeInstanceOf(PreflightError)
      expect(failure!.message, url).toMatch(message)
      expect(failure!.message, url).not.toContain('\n')
    }
  })

  test('--target names what the cluster runs, or a URL of one of its nodes; anything else is a usage error', () => {
    expect(target('redis').nodes).toEqual(['redis-1'])
    expect(target(`redis://${address('redis-2')}`).nodes).toEqual(['redis-2'])
    expect(target(`zk://${address('zookeeper-1')}`).backend.recipe).toEqual({kind: 'zookeeper', target: `zk://${address('zookeeper-1')}`})
    expect(() => target('lock-replica')).toThrow(/runs no lock-replica; start it with: dsys cluster up --lock-replicas 3/)
    expect(() => target('consul')).toThrow(UsageError)
    expect(() => target('mysql://127.0.0.1:3306')).toThrow(UsageError)
    expect(() => target('etcd://127.0.0.1')).toThrow(UsageError)
  })

  test('dsys bench lock --target etcd reports the run and what its fencing tokens are; a wrong-kind target exits 1 with one line', async () => {
    const run = await dsys('bench', 'lock', '--target', 'etcd', '--clients', '4', '--duration', '1s', '--warmup', '0ms')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/fencing tokens\s+│ yes: the lock key's create revision/)
    expect(run.stdout).toMatch(/safety violations\s+│ 0 /)
    const wrong = await dsys('bench', 'lock', '--target', `zk://${address('redis-1')}`, '--duration', '1s')
    expect(wrong.code).toBe(1)
    expect(wrong.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^dsys: error: no ZooKeeper answers at /)])
  })
})
