import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {DsysLockBackend} from '../../../src/bench/lock/dsys-lock-backend.js'
import {LockWorkload} from '../../../src/bench/lock/lock-workload.js'
import {runLoad} from '../../../src/bench/run-load.js'
import {lockSubsystem} from '../../../src/runtime/cluster/subsystems.js'
import {clusterDown, clusterUp, killNode, restartNode} from '../../../src/runtime/cluster/supervisor.js'
import {JsonClient} from '../../../src/runtime/net/json-client.js'
import {runCli} from '../cli/run-cli.js'
import {describeLockApi} from './lock-api.js'

const dataDir = mkdtempSync(join(tmpdir(), 'dsys-lock-'))
let url: string
let http: JsonClient

beforeAll(async () => {
  const {state} = await clusterUp({dataDir, host: '127.0.0.1', plans: lockSubsystem.plan({}), healthTimeoutMs: 15_000})
  url = state.nodes[0].url
  http = new JsonClient(url, {connections: 4})
})

afterAll(async () => {
  await http.close()
  await clusterDown(dataDir, 1000, true)
  rmSync(dataDir, {recursive: true, force: true})
})

describeLockApi('lock server', () => url)

describe('bench lock on threads', () => {
  // A short TTL: the lock server's lease horizon follows recent TTLs, and the crash test below waits it out after its restart.
  test('--threads 2: clients on both threads take grants, and every grant enters one shared protected resource', async () => {
    const r = await runCli(['bench', 'lock', '--target', url, '--threads', '2', '--clients', '8', '--locks', '2', '--hold', '1ms', '--ttl', '500ms', '--duration', '1s', '--warmup', '0s', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.threads).toBe(2)
    expect(report.perClientAcquisitions.min).toBeGreaterThan(0)
    expect(report.acquisitions).toBeGreaterThanOrEqual(report.ops)
    // Every grant, whichever thread took it, entered the one resource the report reads.
    expect(report.safety).toMatchObject({entries: report.acquisitions, violations: 0, fencing: true})
  })
})

describe('lock server crash', () => {
  test('kill -9 under load and restart: later tokens are higher, and no two holders overlap', async () => {
    const tokenBefore = await http.request<{token: number}>('POST', '/locks/probe/acquire', {owner: 'p', ttlMs: 500, waitMs: 0})
    const workload = new LockWorkload(new DsysLockBackend(url, 8), {clients: 8, locks: 2, holdMs: 1, ttlMs: 500, waitMs: 2000, seed: 7})
    const report = await runLoad(workload, {
      clients: 8,
      durationMs: 4000,
      warmupMs: 0,
      events: [
        {atMs: 1000, name: 'kill', run: async () => ({pid: killNode(dataDir, 'lock-1', 'KILL').pid})},
        {atMs: 1300, name: 'restart', run: async () => ({pid: (await restartNode(dataDir, 'lock-1', 1000, 15_000)).node.pid})},
      ],
    })
    expect(report.events.map((e) => e.error)).toEqual([undefined, undefined])
    expect(report.safety).toMatchObject({violations: 0, overlaps: 0, tokenOrderViolations: 0})
    const afterRestart = report.timeline.filter((p) => p.second >= 3).reduce((n, p) => n + p.ops, 0)
    expect(afterRestart).toBeGreaterThan(0)
    const tokenAfter = await http.request<{token: number}>('POST', '/locks/probe/acquire', {owner: 'p2', ttlMs: 500, waitMs: 3000})
    expect(tokenAfter.status).toBe(200)
    expect(tokenAfter.body.token).toBeGreaterThan(tokenBefore.body.token)
    expect(tokenAfter.body.token).toBeGreaterThan(10_000)
  })
})
