import {describe, expect, it} from 'vitest'

import {chunkByBytes, liveConfig, livePlacement, nextShardName, routeKey} from '../../../src/core/ring-live/index.js'
import {KeyMutex} from '../../../src/nodes/ring-router/key-mutex.js'

describe('liveConfig', () => {
  it('refuses bounded loads live and unknown algorithms, and fills in default options', () => {
    expect(() => liveConfig('bounded')).toThrow(/offline-only/)
    expect(() => liveConfig('chord')).toThrow(/unknown algorithm "chord"/)
    expect(liveConfig('ring', {vnodes: 10, probes: undefined}).options).toMatchObject({vnodes: 10, probes: 21, tableSize: 655_373})
  })
})

describe('routeKey', () => {
  const config = liveConfig('rendezvous')
  const before = livePlacement(['a', 'b'], config)
  const after = livePlacement(['a', 'b', 'c'], config)

  it('is the owner outside a migration and between old and new owner for a moving key during one', () => {
    const keys = Array.from({length: 200}, (_, i) => `k${i}`)
    const moving = keys.filter((k) => after.owner(k) === 'c')
    expect(moving.length).toBeGreaterThan(0)
    for (const key of keys) {
      expect(routeKey(key, before, null)).toEqual({type: 'owned', shard: before.owner(key)})
      expect(routeKey(key, before, after)).toEqual(moving.includes(key) ? {type: 'moving', from: before.owner(key), to: 'c'} : {type: 'owned', shard: before.owner(key)})
    }
  })
})

describe('chunkByBytes', () => {
  it('keeps every body under the byte budget, keeps order, and counts key and value bytes in UTF-8', () => {
    const entries = Array.from({length: 10}, (_, i) => ({key: `k${i}`, value: 'é'.repeat(20)}))
    const chunks = chunkByBytes(entries, 120)
    expect(chunks.flatMap((c) => c.entries)).toEqual(entries)
    for (const chunk of chunks) expect(Buffer.byteLength(JSON.stringify(chunk.entries))).toBeLessThanOrEqual(120)
    expect(chunks.reduce((n, c) => n + c.bytes, 0)).toBe(10 * (2 + 40))
  })

  it('gives an entry larger than the budget a chunk of its own', () => {
    const chunks = chunkByBytes([{key: 'a', value: 'x'.repeat(500)}, {key: 'b', value: 'y'}], 100)
    expect(chunks.map((c) => c.entries.map((e) => e.key))).toEqual([['a'], ['b']])
  })
})

describe('nextShardName', () => {
  it('continues after the highest ring-shard number and ignores other names', () => {
    expect(nextShardName([])).toBe('ring-shard-1')
    expect(nextShardName(['ring-router', 'ring-shard-1', 'ring-shard-4', 'ring-shard-2', 'lock-1'])).toBe('ring-shard-5')
  })
})

describe('KeyMutex', () => {
  it('runs holders of one key one after another in arrival order, and other keys at once', async () => {
    const mutex = new KeyMutex()
    const order: string[] = []
    const releaseFirst = await mutex.lock('k')
    const second = mutex.lock('k').then((release) => {
      order.push('second')
      release()
    })
    const other = mutex.lock('other').then((release) => {
      order.push('other')
      release()
    })
    await other
    expect(order).toEqual(['other'])
    order.push('first done')
    releaseFirst()
    await second
    expect(order).toEqual(['other', 'first done', 'second'])
    expect(mutex.size).toBe(0)
  })

  it('lockAll holds every key until released', async () => {
    const mutex = new KeyMutex()
    const release = await mutex.lockAll(['a', 'b'])
    let got = false
    const waiting = mutex.lock('b').then((r) => {
      got = true
      r()
    })
    await Promise.resolve()
    expect(got).toBe(false)
    release()
    await waiting
    expect(got).toBe(true)
  })
})
