import {connect} from 'node:net'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, test, vi} from 'vitest'

import {DsysLockBackend} from '../../../src/bench/lock/dsys-lock-backend.js'
import {LockWorkload} from '../../../src/bench/lock/lock-workload.js'
import {runLoad} from '../../../src/bench/run-load.js'
import {lockSubsystem} from '../../../src/runtime/cluster/subsystems.js'
import {clusterDown, clusterUp, killNode, restartNode} from '../../../src/runtime/cluster/supervisor.js'
import {JsonClient} from '../../../src/runtime/net/json-client.js'
import {runCli} from '../cli/run-cli.js'

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

async function raw(method: string, path: string, body: string): Promise<{status: number; body: Record<string, unknown>}> {
  const res = await fetch(url + path, {method, body, headers: {'content-type': 'application/json'}})
  return {status: res.status, body: (await res.json()) as Record<string, unknown>}
}

describe('lock server HTTP API', () => {
  test('bad input gets a clear 4xx and changes nothing; the server keeps serving', async () => {
    const grant = await http.request<{token: number}>('POST', '/locks/bad/acquire', {owner: 'alice', ttlMs: 2000, waitMs: 0})
    expect(grant.status).toBe(200)
    const before = (await http.request('GET', '/locks/bad')).body

    const cases: Array<[string, string, string, number, RegExp]> = [
      ['POST', '/locks/bad/release', '{"owner": "alice", "token":', 400, /malformed JSON/],
      ['POST', '/locks/bad/release', JSON.stringify({owner: 'alice', token: grant.body.token, extra: 1}), 400, /unknown field "extra"/],
      ['POST', '/locks/bad/release', JSON.stringify({owner: 'alice', token: 'one'}), 400, /must be an integer/],
      ['POST', '/locks/bad/release', JSON.stringify({owner: 'alice', token: grant.body.token + 1}), 409, /does not hold/],
      ['POST', '/locks/bad/release', JSON.stringify({owner: 'mallory', token: grant.body.token}), 409, /does not hold/],
      ['POST', '/locks/bad/renew', JSON.stringify({owner: 'mallory', token: grant.body.token, ttlMs: 1000}), 409, /does not hold/],
      ['POST', '/locks/bad/acquire', JSON.stringify({owner: 'x'.repeat(100_000), ttlMs: 1, waitMs: 0}), 413, /exceeds the limit/],
      ['POST', '/locks/bad/acquire', JSON.stringify({owner: 'bob', ttlMs: 0, waitMs: 0}), 400, /ttlMs.*>= 1/],
      ['POST', '/locks/bad/acquire', '[1,2]', 400, /must be a JSON object/],
      ['GET', '/nope', '', 404, /no route/],
      ['DELETE', '/locks/bad', '', 405, /not allowed/],
    ]
    for (const [method, path, body, status, message] of cases) {
      const res = await raw(method, path, method === 'GET' || method === 'DELETE' ? (undefined as unknown as string) : body)
      expect(res.status, `${method} ${path} ${body.slice(0, 60)}`).toBe(status)
      expect(res.body.error).toMatch(message)
    }
    expect((await http.request('GET', '/locks/bad')).body).toEqual(before)
    expect((await http.request('GET', '/health')).status).toBe(200)
    expect((await http.request('POST', '/locks/bad/release', {owner: 'alice', token: grant.body.token})).status).toBe(200)
  })

  test('a waiting acquire is granted the moment the holder releases', async () => {
    const first = await http.request<{token: number}>('POST', '/locks/q/acquire', {owner: 'a', ttlMs: 2000, waitMs: 0})
    const sentAt = performance.now()
    const waiting = http.request<{token: number; waitedMs: number}>('POST', '/locks/q/acquire', {owner: 'b', ttlMs: 2000, waitMs: 10_000})
    // Released only once the server says b is queued, whenever that is.
    await vi.waitFor(async () => expect((await http.request<{waiting: number}>('GET', '/locks/q')).body.waiting).toBe(1))
    await http.request('POST', '/locks/q/release', {owner: 'a', token: first.body.token})
    const granted = await waiting
    const grantedAt = performance.now()
    expect(granted.status).toBe(200)
    expect(granted.body.token).toBeGreaterThan(first.body.token)
    // b's wait, as the server measured it, lies inside what the client saw: from b's request to its grant.
    expect(granted.body.waitedMs).toBeGreaterThan(0)
    expect(granted.body.waitedMs).toBeLessThanOrEqual(grantedAt - sentAt)
    expect((await http.request('POST', '/locks/q/release', {owner: 'b', token: granted.body.token})).status).toBe(200)
  })

  test('a waiter whose client goes away leaves the queue and is never granted', async () => {
    const first = await http.request<{token: number}>('POST', '/locks/gone/acquire', {owner: 'a', ttlMs: 2000, waitMs: 0})
    const socket = connect(Number(new URL(url).port), '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    const body = JSON.stringify({owner: 'leaver', ttlMs: 2000, waitMs: 60_000})
    socket.write(`POST /locks/gone/acquire HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`)
    const waiting = async () => (await http.request<{waiting: number}>('GET', '/locks/gone')).body.waiting
    await vi.waitFor(async () => expect(await waiting()).toBe(1))

    socket.destroy()
    await vi.waitFor(async () => expect(await waiting()).toBe(0))
    // Had the leaver stayed queued, it would now hold the lock, and this acquire would time out.
    await http.request('POST', '/locks/gone/release', {owner: 'a', token: first.body.token})
    const next = await http.request<{token: number}>('POST', '/locks/gone/acquire', {owner: 'c', ttlMs: 1000, waitMs: 0})
    expect(next.status).toBe(200)
    expect((await http.request('POST', '/locks/gone/release', {owner: 'c', token: next.body.token})).status).toBe(200)
  })
})

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
