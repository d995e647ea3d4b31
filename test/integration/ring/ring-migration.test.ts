import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {restartNode} from '../../../src/runtime/cluster/supervisor.js'
import {SeededRng} from '../../../src/core/common/rng.js'
import {JsonClient, segment} from '../../../src/runtime/net/json-client.js'
import {liveConfig, livePlacement} from '../../../src/core/ring-live/index.js'
import {measureChurn} from '../../../src/core/ring/index.js'
import type {RingAdmin} from '../../../src/runtime/clients/ring-admin-client.js'
import type {MigrationReport} from '../../../src/core/ring-live/migration-report.js'
import {runCli} from '../cli/run-cli.js'
import {type RingTestCluster, startRingCluster} from './ring-cluster.js'

const KEYS = 10_000
const CLIENTS = 8
const SEED = 5
const keys = Array.from({length: KEYS}, (_, i) => `key-${i}`)

let cluster: RingTestCluster
let dataDir: string
let router: JsonClient
let admin: RingAdmin

beforeAll(async () => {
  cluster = await startRingCluster('ring', 3)
  ;({dataDir, router, admin} = cluster)
})

afterAll(async () => cluster?.stop())

const put = (key: string, value: string) => router.request('PUT', `/kv/${segment(key)}`, {value})
const get = (key: string) => router.request<{value: string}>('GET', `/kv/${segment(key)}`)

/**
 * Client i owns the keys with index ≡ i (mod CLIENTS) and alone writes them,
 * so after its own acknowledged write every read of the key must return
 * exactly that value, wherever the key lives at the moment.
 */
async function runClients(lastAcked: string[], stop: {now: boolean}): Promise<{ops: number; violations: string[]}> {
  let ops = 0
  const violations: string[] = []
  await Promise.all(
    Array.from({length: CLIENTS}, async (_, client) => {
      const rng = new SeededRng(SEED * 1000 + client)
      for (let n = 1; !stop.now; n++) {
        const k = client + CLIENTS * rng.int(KEYS / CLIENTS)
        if (rng.next() < 0.5) {
          const value = `${keys[k]}:c${client}:${n}`
          const res = await put(keys[k], value)
          if (res.status !== 200) violations.push(`PUT ${keys[k]} answered ${res.status} ${JSON.stringify(res.body)}`)
          else lastAcked[k] = value
        } else {
          const res = await get(keys[k])
          if (res.status !== 200 || res.body.value !== lastAcked[k]) violations.push(`GET ${keys[k]} answered ${res.status} ${JSON.stringify(res.body)}, last acknowledged ${lastAcked[k]}`)
        }
        ops++
      }
    }),
  )
  return {ops, violations}
}

/** `ring churn` for the full key set the test wrote, computed here from the core, not by the router. */
function offlinePrediction(report: MigrationReport): number {
  return measureChurn('ring', report.before, report.after, keys, liveConfig('ring').options, () => 0).moved
}

describe('ring router with live membership changes', () => {
  test('add a shard, then remove one, while clients write and read: reads see the last acknowledged value, live moves equal the prediction', async () => {
    const lastAcked = keys.map((key) => `${key}:initial`)
    let next = 0
    await Promise.all(
      Array.from({length: 32}, async () => {
        for (let k = next++; k < KEYS; k = next++) expect((await put(keys[k], lastAcked[k])).status).toBe(200)
      }),
    )

    const stop = {now: false}
    const clients = runClients(lastAcked, stop)
    const added = await admin.addShard(30_000)
    const removed = await admin.removeShard('ring-shard-2', 30_000)
    stop.now = true
    const {ops, violations} = await clients

    expect(violations, `seed ${SEED}`).toEqual([])
    expect(ops).toBeGreaterThan(0)
    for (const [report, change] of [[added, {type: 'add', name: 'ring-shard-4'}], [removed, {type: 'remove', name: 'ring-shard-2'}]] as const) {
      expect(report.change).toEqual(change)
      expect(report.keys).toBe(KEYS)
      expect(report.moved).toBe(offlinePrediction(report))
      expect(report.agrees).toBe(true)
      expect(report.copied + report.movedByClients).toBe(report.moved)
      expect(report.prediction?.movedBetweenSurvivors).toBe(0)
    }
    expect(added.after).toEqual(['ring-shard-1', 'ring-shard-2', 'ring-shard-3', 'ring-shard-4'])
    expect(removed.after).toEqual(['ring-shard-1', 'ring-shard-4', 'ring-shard-3'])

    const lost: string[] = []
    for (let k = 0; k < KEYS; k += 64) {
      const batch = keys.slice(k, k + 64)
      const answers = await Promise.all(batch.map((key) => get(key)))
      answers.forEach((res, i) => {
        if (res.status !== 200 || res.body.value !== lastAcked[k + i]) lost.push(`${batch[i]}: ${res.status} ${JSON.stringify(res.body)} != ${lastAcked[k + i]}`)
      })
    }
    expect(lost, `seed ${SEED}`).toEqual([])

    // Every key lies on its owner and nowhere else.
    const placement = livePlacement(removed.after, liveConfig('ring'))
    const health = await admin.health()
    let stored = 0
    for (const [shard, {url}] of Object.entries(health.shards)) {
      const client = new JsonClient(url)
      const {body} = await client.request<{keys: string[]}>('GET', '/keys')
      await client.close()
      stored += body.keys.length
      expect(body.keys.filter((key) => placement.owner(key) !== shard)).toEqual([])
    }
    expect(stored).toBe(KEYS)
  })

  test('a restarted router keeps its membership', async () => {
    await restartNode(dataDir, 'ring-router', 2000, 15_000)
    expect((await admin.health()).nodes).toEqual(['ring-shard-1', 'ring-shard-4', 'ring-shard-3'])
    const res = await get('key-17')
    expect(res.status).toBe(200)
    expect(res.body.value).toMatch(/^key-17:/)
  })

  test('bad input: an unknown shard to remove, oversize keys and values, a bad shard URL, a delete with fields', async () => {
    const cli = await runCli(['ring', 'remove-node', 'ring-shard-9', '--data-dir', dataDir])
    expect(cli.code).not.toBe(0)
    expect(cli.stderr).toContain('no shard named "ring-shard-9"')
    expect((await router.request('DELETE', '/admin/shards/ring-shard-9')).status).toBe(404)
    expect((await router.request('POST', '/admin/shards', {name: 'x', url: 'not a url'})).status).toBe(400)
    expect((await router.request('POST', '/admin/shards', {name: 'ring-shard-1', url: 'http://127.0.0.1:1'})).status).toBe(400)
    expect((await put('k'.repeat(1025), 'v')).status).toBe(413)
    expect((await put('k', 'v'.repeat(64 * 1024 + 1))).status).toBe(413)
    expect((await router.request('PUT', '/kv/k', {value: 1})).status).toBe(400)
    expect((await get('never-written')).status).toBe(404)
    // A delete takes no fields: a body that names some is refused, and the shard set and the key stay.
    expect((await put('kept', 'v')).status).toBe(200)
    const refused = await router.request<{error: string}>('DELETE', '/kv/kept', {force: true})
    expect(refused.status).toBe(400)
    expect(refused.body.error).toMatch(/unknown field "force" in body; expected no fields/)
    expect((await get('kept')).status).toBe(200)
    expect((await router.request('DELETE', '/admin/shards/ring-shard-1', {now: 1})).status).toBe(400)
  })

  test('dsys bench ring reports per-shard load and adds a shard mid-run with live moves equal to the prediction', async () => {
    const bench = await runCli(['bench', 'ring', '--clients', '4', '--duration', '2s', '--warmup', '0s', '--keys', '500', '--add-node-at', '500ms', '--json', '--data-dir', dataDir])
    expect(bench.code, bench.stderr).toBe(0)
    const report = JSON.parse(bench.stdout)
    expect(report).toMatchObject({workload: 'ring', errors: 0, keys: 500, dist: 'uniform'})
    expect(report.events).toHaveLength(1)
    expect(report.events[0]).toMatchObject({name: 'add-node', shard: 'ring-shard-5', agrees: true})
    expect(report.events[0].moved).toBe(report.events[0].predictedMoved)
    expect(Object.keys(report.shardLoad.shards)).toEqual(['ring-shard-1', 'ring-shard-4', 'ring-shard-3', 'ring-shard-5'])
    expect(report.shardLoad.requests.maxOverMean).toBeGreaterThanOrEqual(1)
  })
})

describe('jump: removing a shard that is not the last bucket', () => {
  let jump: RingTestCluster
  const jumpKeys = keys.slice(0, 2_000)

  beforeAll(async () => {
    jump = await startRingCluster('jump', 3)
  })

  afterAll(async () => jump?.stop())

  test('the last bucket takes the hole (swap-with-last): its keys move too, exactly as predicted, and nothing is lost', async () => {
    for (let k = 0; k < jumpKeys.length; k += 50) {
      await Promise.all(jumpKeys.slice(k, k + 50).map(async (key) => expect((await jump.router.request('PUT', `/kv/${key}`, {value: `${key}!`})).status).toBe(200)))
    }
    const report = await jump.admin.removeShard('ring-shard-1', 30_000)
    expect(report.after).toEqual(['ring-shard-3', 'ring-shard-2'])
    const predicted = measureChurn('jump', report.before, report.after, jumpKeys, liveConfig('jump').options, () => 0)
    expect(report.moved).toBe(predicted.moved)
    expect(predicted.movedBetweenSurvivors).toBeGreaterThan(0)
    for (const key of jumpKeys) expect((await jump.router.request<{value: string}>('GET', `/kv/${key}`)).body.value).toBe(`${key}!`)
  })
})
