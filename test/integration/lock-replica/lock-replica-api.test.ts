import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DsysLockBackend} from '../../../src/bench/lock/dsys-lock-backend.js'
import {lockReplicaSubsystem} from '../../../src/runtime/cluster/subsystems.js'
import {runCli} from '../cli/run-cli.js'
import {describeLockApi} from '../lock/lock-api.js'
import {ReplicaTestCluster} from '../kv-replica/replica-cluster.js'

/** The lock server's API on three lock replicas: the same answers and refusals at the leader, a redirect from a follower, a 503 without a quorum. */
let cluster: ReplicaTestCluster
let leader: string

beforeAll(async () => {
  cluster = await ReplicaTestCluster.start({}, 3, lockReplicaSubsystem)
  leader = await cluster.waitForLeader()
})
afterAll(async () => {
  await cluster?.stop()
})

describeLockApi('lock replica', () => cluster.urls[leader])

describe('lock replica: leader, followers and quorum', () => {
  it('a grant\'s token is the log index of its entry, and /health shows the table beside the Raft state', async () => {
    const grant = await cluster.raw(leader, 'POST', '/locks/index/acquire', JSON.stringify({owner: 'a', ttlMs: 5000, waitMs: 0}))
    expect(grant.status).toBe(200)
    const health = await cluster.health(leader)
    expect(health).toMatchObject({kind: 'lock-replica', role: 'leader', leader, leaderUrl: cluster.urls[leader], lastToken: grant.body.token})
    // Nothing was proposed after the grant, so its entry is the last one applied.
    expect(health?.appliedIndex).toBe(grant.body.token)
    await cluster.raw(leader, 'POST', '/locks/index/release', JSON.stringify({owner: 'a', token: grant.body.token}))
  })

  it('a follower redirects every lock request to the leader, and refuses bad input itself', async () => {
    const follower = cluster.names.find((n) => n !== leader) as string
    for (const [method, path, body] of [
      ['POST', '/locks/r/acquire', {owner: 'a', ttlMs: 1000, waitMs: 0}],
      ['POST', '/locks/r/renew', {owner: 'a', token: 1, ttlMs: 1000}],
      ['POST', '/locks/r/release', {owner: 'a', token: 1}],
      ['GET', '/locks/r', undefined],
    ] as const) {
      const res = await cluster.raw(follower, method, path, body === undefined ? undefined : JSON.stringify(body))
      expect(res.status, `${method} ${path}`).toBe(307)
      expect(res.body.leaderUrl).toBe(cluster.urls[leader])
    }
    const bad = await cluster.raw(follower, 'POST', '/locks/r/acquire', JSON.stringify({owner: 'a', ttlMs: 0, waitMs: 0}))
    expect(bad.status).toBe(400)
  })

  it("a backend given only a follower's URL follows its redirect to the leader", async () => {
    const follower = cluster.names.find((n) => n !== leader) as string
    const backend = new DsysLockBackend(cluster.urls[follower], 1)
    try {
      await backend.preflight()
      expect(backend.tokenKind).toBe('log index')
      const grant = await backend.acquire(0, 'via-follower', 'a', 5_000, 0)
      expect(grant?.token).toEqual(expect.any(Number))
      expect(await backend.release(0, 'via-follower', 'a', grant!)).toBe(true)
    } finally {
      await backend.close()
    }
  })

  it('dsys bench lock --target lock-replica runs on every replica of the cluster, safely, with log-index tokens', async () => {
    const r = await runCli(['bench', 'lock', '--target', 'lock-replica', '--data-dir', cluster.dataDir, '--clients', '8', '--locks', '2', '--duration', '1s', '--warmup', '0s', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.acquisitions).toBeGreaterThan(0)
    expect(report.errors).toBe(0)
    expect(report.fencingTokens).toMatch(/Raft log index/)
    expect(report.safety).toMatchObject({violations: 0, fencing: true})
  })

  it('answers 503 within a bounded time when a majority is down', async () => {
    const [down1, down2] = cluster.names.filter((n) => n !== leader)
    cluster.kill(down1)
    cluster.kill(down2)
    for (let attempt = 0; attempt < 3; attempt++) {
      const startedAt = performance.now()
      const acquire = await cluster.raw(leader, 'POST', '/locks/q/acquire', JSON.stringify({owner: 'a', ttlMs: 1000, waitMs: 0}))
      expect(acquire.status).toBe(503)
      expect(acquire.body.error).toEqual(expect.any(String))
      // The replica's requestTimeoutMs (1.5 s) bounds the wait for a leader or a commit; 2 s is the promise.
      expect(performance.now() - startedAt).toBeLessThan(2_000)
      expect((await cluster.raw(leader, 'GET', '/locks/q')).status).toBe(503)
    }
  })
})
