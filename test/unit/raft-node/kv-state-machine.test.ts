import {describe, expect, it} from 'vitest'

import {KvStateMachine} from '../../../src/core/kv/state-machine.js'

describe('KvStateMachine', () => {
  it('applies a retried write once and answers the retry with the first result', () => {
    const kv = new KvStateMachine()
    const session = {clientId: 'c', seq: 1}
    expect(kv.apply({op: 'cas', key: 'k', expected: null, value: 'a', session})).toEqual({type: 'ok'})
    kv.apply({op: 'put', key: 'k', value: 'b'})
    expect(kv.apply({op: 'cas', key: 'k', expected: null, value: 'a', session})).toEqual({type: 'ok'})
    expect(kv.get('k')).toBe('b')
    expect(kv.apply({op: 'put', key: 'k', value: 'old', session: {clientId: 'c', seq: 0}})).toEqual({type: 'stale', lastSeq: 1})
  })

  it('reports the current value when a cas fails, null when the key is absent', () => {
    const kv = new KvStateMachine()
    expect(kv.apply({op: 'cas', key: 'k', expected: 'x', value: 'y'})).toEqual({type: 'casFailed', current: null})
    kv.apply({op: 'put', key: 'k', value: 'v'})
    expect(kv.apply({op: 'cas', key: 'k', expected: 'x', value: 'y'})).toEqual({type: 'casFailed', current: 'v'})
  })

  it('restores data and sessions from a snapshot, and evicts the least recently writing client first', () => {
    const kv = new KvStateMachine(2)
    for (const clientId of ['a', 'b', 'c']) kv.apply({op: 'put', key: clientId, value: '1', session: {clientId, seq: 1}})
    const copy = new KvStateMachine(2)
    copy.restore(kv.serialize())
    expect(copy.serialize()).toBe(kv.serialize())
    // 'a' was evicted, so its retry is applied again; 'c' is still remembered.
    copy.apply({op: 'delete', key: 'a'})
    expect(copy.apply({op: 'put', key: 'a', value: '1', session: {clientId: 'a', seq: 1}})).toEqual({type: 'ok'})
    expect(copy.get('a')).toBe('1')
    copy.apply({op: 'delete', key: 'c'})
    copy.apply({op: 'put', key: 'c', value: '1', session: {clientId: 'c', seq: 1}})
    expect(copy.get('c')).toBeUndefined()
  })
})
