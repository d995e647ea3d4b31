import {readFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'

import {request} from 'undici'
import {afterAll, beforeAll, expect, test} from 'vitest'

import type {ClusterState} from '../../../src/runtime/cluster/cluster-state.js'
import {clusterForTests} from './cluster-fixture.js'

const {dataDir, dsys} = clusterForTests(['--txn', '2'])
// In front of the coordinator: forwards every request and keeps what it was.
const requests: string[] = []
let proxy: Server
let proxyUrl: string

beforeAll(async () => {
  const state = JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as ClusterState
  const coordinator = state.nodes.find((n) => n.kind === 'txn-coordinator')!.url
  proxy = createServer(async (req, res) => {
    requests.push(`${req.method} ${req.url}`)
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined
    const answer = await request(`${coordinator}${req.url}`, {method: req.method as 'GET', headers: {'content-type': 'application/json'}, body})
    res.writeHead(answer.statusCode, {'content-type': 'application/json'}).end(Buffer.from(await answer.body.arrayBuffer()))
  })
  await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
})

afterAll(async () => {
  proxy.closeAllConnections()
  await new Promise((done) => proxy.close(done))
})

test("bench txn asks the coordinator's /health once before the run: the check, the participants and the counters come from one answer", async () => {
  const r = await dsys('bench', 'txn', '--target', proxyUrl, '--clients', '2', '--warmup', '0s', '--duration', '1s', '--json')
  expect(r.code, r.stderr).toBe(0)
  expect(JSON.parse(r.stdout).txn.txnsBegun).toBeGreaterThan(0)
  const firstTxn = requests.indexOf('POST /txn')
  expect(firstTxn).toBeGreaterThan(0)
  expect(requests.slice(0, firstTxn)).toEqual(['GET /health'])
})
