import {afterAll, beforeAll, expect, test, vi} from 'vitest'

import type {MigrationReport} from '../../../src/core/ring-live/migration-report.js'
import {killNode, restartNode} from '../../../src/runtime/cluster/supervisor.js'
import {segment} from '../../../src/runtime/net/json-client.js'
import {type RingTestCluster, startRingCluster} from './ring-cluster.js'

const KEYS = 300

let cluster: RingTestCluster

beforeAll(async () => {
  cluster = await startRingCluster('ring', 3)
})

afterAll(async () => cluster?.stop())

const migration = async () => (await cluster.router.request<{running: MigrationReport | null; last: MigrationReport | null}>('GET', '/admin/migration')).body

test('a migration whose shard is down retries its step until the shard is back, and loses no key', async () => {
  const keys = Array.from({length: KEYS}, (_, i) => `key-${i}`)
  for (const key of keys) expect((await cluster.router.request('PUT', `/kv/${segment(key)}`, {value: `v-${key}`})).status).toBe(200)

  killNode(cluster.dataDir, 'ring-shard-2', 'KILL')
  const started = await cluster.router.request<MigrationReport>('DELETE', '/admin/shards/ring-shard-3')
  expect(started.status).toBe(202)
  // The scan cannot reach shard 2: the step fails, the report says why, and the migration waits and tries again.
  await vi.waitFor(async () => expect((await migration()).running?.lastError).toMatch(/ring-shard-2/), {timeout: 10_000, interval: 50})
  expect((await migration()).running?.phase).toBe('scanning')

  await restartNode(cluster.dataDir, 'ring-shard-2', 1_000, 15_000)
  await vi.waitFor(async () => expect((await migration()).last?.id).toBe(started.body.id), {timeout: 20_000, interval: 50})
  const done = (await migration()).last!
  expect(done.phase).toBe('done')
  expect(done.agrees).toBe(true)
  for (const key of keys) expect((await cluster.router.request<{value: string}>('GET', `/kv/${segment(key)}`)).body.value).toBe(`v-${key}`)
})
