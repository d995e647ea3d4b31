import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, expect, test} from 'vitest'

import type {ClusterState} from '../../../src/runtime/cluster/cluster-state.js'
import type {MigrationReport} from '../../../src/core/ring-live/migration-report.js'
import {runCli} from './run-cli.js'

// A stand-in ring router that keeps the requests it gets: what `ring remove-node` asks, and how often.
const dataDir = mkdtempSync(join(tmpdir(), 'dsys-remove-node-'))
const requests: string[] = []
const report: MigrationReport = {
  id: 7,
  change: {type: 'remove', name: 'ring-shard-2'},
  before: ['ring-shard-1', 'ring-shard-2'],
  after: ['ring-shard-1'],
  phase: 'done',
  startedAt: '2026-12-04T20:00:00.000Z',
  keys: 10,
  moved: 4,
  copied: 4,
  movedByClients: 0,
  bytesCopied: 80,
  migrationMs: 12,
  prediction: null,
  agrees: null,
  lastError: null,
}
const answers: Record<string, [number, unknown]> = {
  'GET /health': [200, {kind: 'ring-router', id: 'ring-router', algorithm: 'ring', nodes: report.before, shards: {}}],
  'DELETE /admin/shards/ring-shard-2': [202, {...report, phase: 'draining'}],
  'GET /admin/migration': [200, {running: null, last: report}],
}
let router: Server

beforeAll(async () => {
  router = createServer((req, res) => {
    const request = `${req.method} ${req.url}`
    requests.push(request)
    const [status, body] = answers[request] ?? [404, {error: 'not found'}]
    res.writeHead(status, {'content-type': 'application/json'}).end(JSON.stringify(body))
  })
  await new Promise<void>((done) => router.listen(0, '127.0.0.1', done))
  const {port} = router.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  const node = {name: 'ring-router', kind: 'ring-router', subsystem: 'ring', pid: 0, host: '127.0.0.1', port, url, dataPath: dataDir, configPath: '', logPath: ''}
  const state: ClusterState = {version: 1, dataDir, startedAt: report.startedAt, nodes: [node]}
  writeFileSync(join(dataDir, 'cluster.json'), JSON.stringify(state))
})

afterAll(async () => {
  await new Promise((done) => router.close(done))
  rmSync(dataDir, {recursive: true, force: true})
})

test('ring remove-node asks the router for its /health once: the check before draining is not repeated', async () => {
  const r = await runCli(['ring', 'remove-node', 'ring-shard-2', '--data-dir', dataDir])
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout).toContain('remove ring-shard-2: 2 → 1 shards')
  expect(requests).toEqual(['GET /health', 'DELETE /admin/shards/ring-shard-2', 'GET /admin/migration'])
})
