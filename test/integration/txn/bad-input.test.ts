import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TXN_LIMITS} from '../../../src/nodes/txn-common/wire.js'
import {COORDINATOR, PARTICIPANTS, TxnCluster} from './txn-cluster.js'

describe('2PC coordinator refuses bad transactions (real processes)', () => {
  let cluster: TxnCluster

  beforeAll(async () => {
    cluster = await TxnCluster.start()
  })

  afterAll(async () => {
    await cluster?.stop()
  })

  const cases: Array<[string, unknown, number]> = [
    ['empty transaction', {writes: []}, 400],
    ['no writes field', {conditions: [{key: 'a', value: 'x'}]}, 400],
    ['write without a value', {writes: [{key: 'a'}]}, 400],
    ['non-string value', {writes: [{key: 'a', value: 7}]}, 400],
    ['empty key', {writes: [{key: '', value: 'x'}]}, 400],
    ['key written twice', {writes: [{key: 'a', value: '1'}, {key: 'a', value: '2'}]}, 400],
    ['two conditions on one key', {writes: [{key: 'a', value: '1'}], conditions: [{key: 'b', value: 'x'}, {key: 'b', value: null}]}, 400],
    ['unknown field in the body', {writes: [{key: 'a', value: '1'}], participant: 'txn-participant-9'}, 400],
    ['unknown field in a write', {writes: [{key: 'a', value: '1', participant: 'p9'}]}, 400],
    ['body that is not an object', [{key: 'a', value: '1'}], 400],
    ['oversize value', {writes: [{key: 'a', value: 'x'.repeat(5_000)}]}, 413],
    ['too many writes', {writes: Array.from({length: 65}, (_, i) => ({key: `k${i}`, value: 'v'}))}, 413],
    ['oversize body', {writes: [{key: 'a', value: 'x'.repeat(TXN_LIMITS.bodyBytes + 1000)}]}, 413],
  ]

  it('answers each with a 4xx and an error message, and logs and locks nothing', async () => {
    const coordinatorBefore = await cluster.health(COORDINATOR)
    for (const [name, body, status] of cases) {
      const res = await cluster.client(COORDINATOR).request<{error: string}>('POST', '/txn', body)
      expect(res.status, name).toBe(status)
      expect(res.body.error, name).toMatch(/\S/)
    }
    const coordinatorAfter = await cluster.health(COORDINATOR)
    expect(coordinatorAfter.stats.begun).toBe(coordinatorBefore.stats.begun)
    expect(coordinatorAfter.log.recordsWritten + coordinatorAfter.log.lazyHeld).toBe(coordinatorBefore.log.recordsWritten + coordinatorBefore.log.lazyHeld)
    expect(coordinatorAfter.stats.messagesSent.prepare).toBe(coordinatorBefore.stats.messagesSent.prepare)
    for (const p of PARTICIPANTS) {
      const h = await cluster.health(p)
      expect(h.lockedKeys, p).toBe(0)
      expect(h.log.recordsWritten, p).toBe(0)
    }
  })

  it('refuses an unknown failpoint, or one of another role', async () => {
    for (const name of ['coordinator.nowhere', 'participant.after-prepare-logged']) {
      const res = await cluster.client(COORDINATOR).request<{error: string}>('POST', '/admin/failpoint', {name})
      expect(res.status, name).toBe(400)
    }
  })
})
