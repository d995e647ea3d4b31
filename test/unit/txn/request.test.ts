import {describe, expect, it} from 'vitest'
import {isFailpointName} from '../../../src/core/txn/failpoints.js'
import {splitByOwner, txnRequestError} from '../../../src/core/txn/request.js'
import {ownerOf} from './fixtures.js'

describe('transaction requests', () => {
  it('names what is wrong with an empty transaction, a key written twice, or two conditions on one key', () => {
    expect(txnRequestError([], [])).toBe('a transaction needs at least one write')
    expect(txnRequestError([{key: 'k', value: '1'}, {key: 'k', value: '2'}], [])).toBe('key "k" is written twice')
    expect(txnRequestError([{key: 'k', value: '1'}], [{key: 'j', value: null}, {key: 'j', value: 'x'}])).toBe('key "j" has two conditions')
    expect(txnRequestError([{key: 'k', value: '1'}], [{key: 'k', value: '0'}])).toBeUndefined()
  })

  it('splits writes and conditions by the participant that owns each key', () => {
    const shares = splitByOwner([{key: 'p1/a', value: '1'}], [{key: 'p2/b', value: null}, {key: 'p1/c', value: 'v'}], ownerOf)
    expect([...shares]).toEqual([
      ['p1', {writes: [{key: 'p1/a', value: '1'}], conditions: [{key: 'p1/c', value: 'v'}]}],
      ['p2', {writes: [], conditions: [{key: 'p2/b', value: null}]}],
    ])
  })

  it('recognises failpoint names given as text (environment variable, admin endpoint)', () => {
    expect(isFailpointName('coordinator.mid-commit')).toBe(true)
    expect(isFailpointName('coordinator.somewhere-else')).toBe(false)
  })
})
