import {describe, expect, it} from 'vitest'

import {shardLoad} from '../../../src/bench/ring/shard-load.js'

describe('shardLoad', () => {
  it('counts requests during the run per shard, a shard added mid-run from 0, with max/mean', () => {
    const load = shardLoad({a: 100, b: 50}, {a: 400, b: 250, c: 100}, {a: 10, b: 10, c: 10})
    expect(load.shards).toEqual({a: {requests: 300, keys: 10}, b: {requests: 200, keys: 10}, c: {requests: 100, keys: 10}})
    expect(load.requests).toMatchObject({max: 300, mean: 200, maxOverMean: 1.5})
    expect(load.keys).toMatchObject({max: 10, mean: 10, maxOverMean: 1})
  })

  it('has no key balance when a shard did not report its keys', () => {
    expect(shardLoad({}, {a: 1, b: 1}, {a: 5, b: null}).keys).toBeNull()
  })
})
