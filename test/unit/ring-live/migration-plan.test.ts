import {describe, expect, it} from 'vitest'

import {SeededRng} from '../../../src/core/common/rng.js'
import {liveConfig, livePlacement, planMembership, planMigration} from '../../../src/core/ring-live/index.js'
import {ALGORITHMS, measureChurn, syntheticKeys} from '../../../src/core/ring/index.js'

const keys = syntheticKeys(5_000, new SeededRng(3))
const shards = ['ring-shard-1', 'ring-shard-2', 'ring-shard-3']
const urls = Object.fromEntries(shards.map((s, i) => [s, `http://127.0.0.1:${7000 + i}`]))

/** Each shard's keys as a placement lays them out: what GET /keys returns when every key lies on its owner. */
function layout(nodes: readonly string[], algorithm: string): Map<string, string[]> {
  const placement = livePlacement(nodes, liveConfig(algorithm))
  const byShard = new Map(nodes.map((n) => [n, [] as string[]]))
  for (const key of keys) byShard.get(placement.owner(key))!.push(key)
  return byShard
}

const liveAlgorithms = ALGORITHMS.filter((a) => a !== 'bounded')

describe('planMigration', () => {
  for (const algorithm of liveAlgorithms) {
    it(`${algorithm}: moves exactly the keys the offline churn counts, on add and on removing a middle shard`, () => {
      const config = liveConfig(algorithm)
      const before = {nodes: shards, urls}
      for (const after of [planMembership(before, {type: 'add', name: 'ring-shard-4', url: 'http://127.0.0.1:7004'}), planMembership(before, {type: 'remove', name: 'ring-shard-2'})]) {
        const plan = planMigration(livePlacement(before.nodes, config), livePlacement(after.nodes, config), layout(before.nodes, algorithm), 100)
        const predicted = measureChurn(algorithm, before.nodes, after.nodes, keys, config.options, () => 0)
        expect(plan.keys).toHaveLength(keys.length)
        expect(plan.moving).toBe(predicted.moved)
        expect(plan.batches.reduce((n, b) => n + b.keys.length, 0)).toBe(plan.moving)
      }
    })
  }

  it('sends each moving key from the shard it lies on to its new owner, in batches of at most maxItems from one shard to one shard', () => {
    const config = liveConfig('ring')
    const after = livePlacement([...shards, 'ring-shard-4'], config)
    const plan = planMigration(livePlacement(shards, config), after, layout(shards, 'ring'), 50)
    const byShard = layout(shards, 'ring')
    for (const batch of plan.batches) {
      expect(batch.keys.length).toBeLessThanOrEqual(50)
      expect(batch.to).toBe('ring-shard-4')
      for (const key of batch.keys) {
        expect(byShard.get(batch.from)).toContain(key)
        expect(after.owner(key)).toBe(batch.to)
      }
    }
  })

  it('counts a key lying on a shard that owns it neither before nor after as moving: the live count exposes a misplaced key', () => {
    const config = liveConfig('rendezvous')
    const before = livePlacement(shards, config)
    const after = livePlacement([...shards, 'ring-shard-4'], config)
    const key = keys.find((k) => before.owner(k) === 'ring-shard-1' && after.owner(k) === 'ring-shard-1')!
    const plan = planMigration(before, after, new Map([['ring-shard-2', [key]]]), 10)
    expect(plan.moving).toBe(1)
    expect(plan.batches).toEqual([{from: 'ring-shard-2', to: 'ring-shard-1', keys: [key]}])
  })

  it('leaves out a key a client wrote at its new owner during the migration, so a key listed on two shards is counted once', () => {
    const config = liveConfig('ring')
    const before = livePlacement(shards, config)
    const after = livePlacement(['ring-shard-1', 'ring-shard-3'], config)
    const key = keys.find((k) => before.owner(k) === 'ring-shard-2' && after.owner(k) === 'ring-shard-3')!
    const plan = planMigration(before, after, new Map([['ring-shard-2', [key]], ['ring-shard-3', [key]]]), 10)
    expect(plan.keys).toEqual([key])
    expect(plan.moving).toBe(1)
  })
})

describe('planMembership', () => {
  const current = {nodes: shards, urls}

  it('adds a shard at the end and removes one with nextMembership order (jump buckets kept)', () => {
    expect(planMembership(current, {type: 'add', name: 'ring-shard-4', url: 'http://h:1'})).toEqual({nodes: [...shards, 'ring-shard-4'], urls: {...urls, 'ring-shard-4': 'http://h:1'}})
    const removed = planMembership(current, {type: 'remove', name: 'ring-shard-1'})
    expect(removed.nodes).toEqual(['ring-shard-3', 'ring-shard-2'])
    expect(Object.keys(removed.urls).sort()).toEqual(['ring-shard-2', 'ring-shard-3'])
  })

  it('rejects an unknown shard, a duplicate name, a bad URL and removing the last shard', () => {
    expect(() => planMembership(current, {type: 'remove', name: 'ring-shard-9'})).toThrow(/cannot remove node "ring-shard-9"/)
    expect(() => planMembership(current, {type: 'add', name: 'ring-shard-1', url: 'http://h:1'})).toThrow(/already a member/)
    expect(() => planMembership(current, {type: 'add', name: 'ring-shard-4', url: 'h:1'})).toThrow(/http\(s\):\/\/host:port/)
    expect(() => planMembership({nodes: ['a'], urls: {a: 'http://h:1'}}, {type: 'remove', name: 'a'})).toThrow(/would leave none/)
  })
})
