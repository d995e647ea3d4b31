import {describe, expect, it} from 'vitest'
import {Participant} from '../../../src/core/txn/participant.js'
import type {Condition, Message, ParticipantLogRecord, Write} from '../../../src/core/txn/types.js'
import {newParticipant, participantConfig, sent} from './fixtures.js'

function prepare(txn: string, writes: Write[], conditions: Condition[] = []): Message {
  return {type: 'prepare', txn, from: 'c', to: 'p1', writes, conditions}
}

function decision(type: 'commit' | 'abort', txn: string): Message {
  return {type, txn, from: 'c', to: 'p1'}
}

const x1 = {key: 'x', value: '1'}

describe('participant prepare (no-wait locking)', () => {
  it('forces a PREPARED record with the writes, then votes yes, and holds the keys locked', () => {
    const p = newParticipant('p1')
    p.step(prepare('t1', [x1], [{key: 'y', value: null}]), 7)
    const ready = p.ready()
    expect(ready.persist).toEqual([{type: 'prepared', txn: 't1', coordinator: 'c', writes: [x1], readKeys: ['y'], atMs: 7}])
    expect(ready.mustSync).toBe(true)
    expect(sent(ready.send)).toEqual(['vote-yes t1 p1->c'])
    expect(p.lockedKeyCount).toBe(2)
    expect(p.inDoubt()).toEqual([{txn: 't1', coordinator: 'c', sinceMs: 7, keyCount: 2, recovered: false}])
  })

  it('votes no at once on a lock conflict, logging and locking nothing', () => {
    const p = newParticipant('p1')
    p.step(prepare('t1', [x1]), 0)
    p.ready()
    p.step(prepare('t2', [{key: 'x', value: '2'}, {key: 'z', value: '2'}]), 1)
    const ready = p.ready()
    expect(ready.send).toEqual([{type: 'vote-no', txn: 't2', from: 'p1', to: 'c', reason: 'conflict', detail: 'key "x" is locked by txn t1'}])
    expect(ready.persist).toEqual([])
    expect(p.lockedKeyCount).toBe(1)
  })

  it('lets transactions that only read a key share it, and keeps writers out', () => {
    const p = newParticipant('p1')
    const absent = [{key: 'x', value: null}]
    p.step(prepare('r1', [{key: 'a', value: '1'}], absent), 0)
    p.step(prepare('r2', [{key: 'b', value: '1'}], absent), 0)
    p.step(prepare('w', [x1]), 0)
    expect(p.ready().send.map((m) => m.type)).toEqual(['vote-yes', 'vote-yes', 'vote-no'])
  })

  it('votes no with reason "condition failed" when a committed value differs or a key that must be absent exists', () => {
    const p = newParticipant('p1', new Map([['x', 'old']]))
    p.step(prepare('t1', [{key: 'y', value: '1'}], [{key: 'x', value: 'new'}]), 0)
    p.step(prepare('t2', [{key: 'y', value: '1'}], [{key: 'x', value: null}]), 0)
    p.step(prepare('t3', [{key: 'y', value: '1'}], [{key: 'x', value: 'old'}]), 0)
    const votes = p.ready().send
    expect(votes.map((m) => (m.type === 'vote-no' ? `${m.reason}: ${m.detail}` : m.type))).toEqual([
      'condition failed: key "x" is "old", expected "new"',
      'condition failed: key "x" is "old", expected null',
      'vote-yes',
    ])
  })
})

describe('participant decision', () => {
  it('commit forces a COMMIT record with the writes to apply, releases the locks and acks', () => {
    const p = newParticipant('p1')
    p.step(prepare('t1', [x1]), 0)
    p.ready()
    p.step(decision('commit', 't1'), 9)
    const ready = p.ready()
    expect(ready.persist).toEqual([{type: 'commit', txn: 't1', writes: [x1]}])
    expect(ready.mustSync).toBe(true)
    expect(ready.send).toEqual([{type: 'ack', txn: 't1', from: 'p1', to: 'c', outcome: 'committed'}])
    expect(ready.resolved).toEqual([{txn: 't1', outcome: 'committed', preparedAtMs: 0, decidedAtMs: 9, keyCount: 1, recovered: false, queried: false}])
    expect(p.lockedKeyCount).toBe(0)
    expect(p.inDoubt()).toEqual([])
  })

  it('abort releases the locks with a non-forced ABORT record and acks', () => {
    const p = newParticipant('p1')
    p.step(prepare('t1', [x1]), 0)
    p.ready()
    p.step(decision('abort', 't1'), 9)
    const ready = p.ready()
    expect(ready.persist).toEqual([{type: 'abort', txn: 't1'}])
    expect(ready.mustSync).toBe(false)
    expect(sent(ready.send)).toEqual(['ack t1 p1->c'])
    expect(p.lockedKeyCount).toBe(0)
  })

  it('handles duplicates idempotently: re-sent prepare, repeated commit, abort of an unknown txn, prepare after abort', () => {
    const p = newParticipant('p1')
    p.step(prepare('t1', [x1]), 0)
    p.ready()
    p.step(prepare('t1', [x1]), 1)
    expect(p.ready()).toMatchObject({persist: [], send: [{type: 'vote-yes', txn: 't1'}]})
    p.step(decision('commit', 't1'), 2)
    p.ready()
    p.step(decision('commit', 't1'), 3)
    expect(p.ready()).toMatchObject({persist: [], send: [{type: 'ack', outcome: 'committed'}], resolved: []})
    p.step(decision('abort', 'never-seen'), 4)
    expect(p.ready()).toMatchObject({persist: [], send: [{type: 'ack', txn: 'never-seen', outcome: 'aborted'}]})
    p.step(prepare('never-seen', [x1]), 5)
    expect(p.ready()).toMatchObject({persist: [], send: []})
    expect(p.lockedKeyCount).toBe(0)
  })

  it('refuses to commit a transaction it aborted: that would break atomicity', () => {
    const p = newParticipant('p1')
    p.step(prepare('t1', [x1]), 0)
    p.step(decision('abort', 't1'), 1)
    expect(() => p.step(decision('commit', 't1'), 2)).toThrow(/commit for txn t1, which it aborted/)
  })

  it('never decides a prepared transaction itself: it asks the coordinator after queryAfterMs, then with bounded backoff, forever', () => {
    const p = newParticipant('p1')
    p.step(prepare('t1', [x1]), 0)
    p.ready()
    expect(p.nextWakeMs()).toBe(500)
    const queryTimesMs: number[] = []
    for (let i = 0; i < 20; i++) {
      const nowMs = p.nextWakeMs()!
      p.tick(nowMs)
      expect(sent(p.ready().send)).toEqual(['query t1 p1->c'])
      queryTimesMs.push(nowMs)
    }
    const gapsMs = queryTimesMs.slice(1).map((t, i) => t - queryTimesMs[i])
    expect(Math.max(...gapsMs)).toBeLessThanOrEqual(400)
    expect(p.inDoubt().map((t) => t.txn)).toEqual(['t1'])
    p.step(decision('abort', 't1'), queryTimesMs.at(-1)! + 1)
    expect(p.ready().resolved).toEqual([expect.objectContaining({txn: 't1', outcome: 'aborted', queried: true})])
    expect(p.nextWakeMs()).toBeUndefined()
  })
})

describe('participant recovery', () => {
  const log: ParticipantLogRecord[] = [
    {type: 'prepared', txn: 'done', coordinator: 'c', writes: [{key: 'a', value: '1'}], readKeys: [], atMs: 1},
    {type: 'commit', txn: 'done', writes: [{key: 'a', value: '1'}]},
    {type: 'prepared', txn: 'doubt', coordinator: 'c', writes: [x1], readKeys: ['r'], atMs: 2},
  ]

  it('restores prepared transactions without a decision as in doubt, locks held, and asks the coordinator at once', () => {
    const p = Participant.recover(participantConfig('p1', new Map()), log, 100)
    expect(p.inDoubt()).toEqual([{txn: 'doubt', coordinator: 'c', sinceMs: 2, keyCount: 2, recovered: true}])
    expect(sent(p.ready().send)).toEqual(['query doubt p1->c'])
    p.step(prepare('t2', [{key: 'x', value: '2'}]), 101)
    expect(p.ready().send).toEqual([expect.objectContaining({type: 'vote-no', reason: 'conflict'})])
    p.step(decision('commit', 'doubt'), 102)
    const ready = p.ready()
    expect(ready.persist).toEqual([{type: 'commit', txn: 'doubt', writes: [x1]}])
    expect(ready.resolved).toEqual([expect.objectContaining({recovered: true, preparedAtMs: 2, decidedAtMs: 102})])
  })

  it('remembers decided transactions across the restart', () => {
    const p = Participant.recover(participantConfig('p1', new Map()), log, 100)
    p.ready()
    p.step(prepare('done', [{key: 'a', value: '1'}]), 101)
    expect(p.ready().send).toEqual([])
  })
})

describe('participant failpoints', () => {
  it('after-prepare-logged: the PREPARED record is forced and the vote withheld', () => {
    const p = newParticipant('p1')
    p.arm('participant.after-prepare-logged')
    p.step(prepare('t1', [x1]), 0)
    expect(p.ready()).toMatchObject({crash: 'participant.after-prepare-logged', mustSync: true, send: [], persist: [{type: 'prepared'}]})
  })

  it('after-commit-logged: the COMMIT record is forced and the ack withheld', () => {
    const p = newParticipant('p1')
    p.step(prepare('t1', [x1]), 0)
    p.arm('participant.after-commit-logged')
    p.step(decision('commit', 't1'), 1)
    expect(p.ready()).toMatchObject({crash: 'participant.after-commit-logged', send: [{type: 'vote-yes'}], persist: [{type: 'prepared'}, {type: 'commit'}]})
  })
})

describe('participant reads (strict two-phase locking) and bounded lock waits', () => {
  function readPrepare(txn: string, reads: string[], lockWaitMs = 0): Message {
    return {type: 'prepare', txn, from: 'c', to: 'p1', writes: [], conditions: [], reads, ...(lockWaitMs > 0 ? {lockWaitMs} : {})}
  }

  it('returns the committed values of its reads in the yes vote and keeps them locked shared until the decision', () => {
    const p = newParticipant('p1', new Map([['x', '5']]))
    p.step(readPrepare('r', ['x', 'y']), 0)
    const ready = p.ready()
    expect(ready.persist).toEqual([{type: 'prepared', txn: 'r', coordinator: 'c', writes: [], readKeys: ['x', 'y'], reads: ['x', 'y'], atMs: 0}])
    expect(ready.send).toEqual([{type: 'vote-yes', txn: 'r', from: 'p1', to: 'c', values: [{key: 'x', value: '5'}, {key: 'y', value: null}]}])
    p.step(prepare('w', [{key: 'x', value: '6'}]), 1)
    expect(p.ready().send).toMatchObject([{type: 'vote-no', txn: 'w', reason: 'conflict'}])
  })

  it('a prepare with lockWaitMs waits for the prepared writer, reserves its keys against newcomers, and reads the writer\'s committed value', () => {
    const kv = new Map([['x', '1']])
    const p = newParticipant('p1', kv)
    p.step(prepare('w1', [{key: 'x', value: '2'}]), 0)
    p.ready()
    p.step(readPrepare('r', ['x'], 100), 1)
    expect(p.ready().send).toEqual([])
    // A newcomer that would write a reserved key votes no at once instead of starving the reader.
    p.step(prepare('w2', [{key: 'x', value: '3'}]), 2)
    expect(p.ready().send).toMatchObject([{type: 'vote-no', txn: 'w2', reason: 'conflict', detail: 'key "x" is reserved by txn r, which waits for it'}])
    p.step(decision('commit', 'w1'), 3)
    // The node applies the taken Ready's commit (the readCommitted contract), then the reader is granted at the next tick.
    for (const r of p.ready().persist) if (r.type === 'commit') for (const w of r.writes) kv.set(w.key, w.value)
    expect(p.nextWakeMs()).toBe(3)
    p.tick(3)
    expect(p.ready().send).toEqual([{type: 'vote-yes', txn: 'r', from: 'p1', to: 'c', values: [{key: 'x', value: '2'}]}])
  })

  it('a waiting prepare votes no when lockWaitMs passes, and an abort while it waits releases its reservation', () => {
    const p = newParticipant('p1')
    p.step(prepare('w1', [x1]), 0)
    p.ready()
    p.step(readPrepare('r1', ['x'], 50), 10)
    expect(p.nextWakeMs()).toBe(60)
    p.tick(60)
    expect(p.ready().send).toEqual([{type: 'vote-no', txn: 'r1', from: 'p1', to: 'c', reason: 'conflict', detail: 'waited 50 ms; key "x" is still locked by txn w1'}])
    p.step(readPrepare('r2', ['x'], 50), 70)
    p.step(decision('abort', 'r2'), 71)
    expect(sent(p.ready().send)).toEqual(['ack r2 p1->c'])
    p.step(decision('abort', 'w1'), 72)
    p.step(prepare('w3', [{key: 'x', value: '3'}]), 73)
    expect(p.ready().send.map((m) => m.type)).toEqual(['ack', 'vote-yes'])
  })

  it('recovers a prepared reader from its PREPARED record and sends the values with its outcome query', () => {
    const log: ParticipantLogRecord[] = [{type: 'prepared', txn: 'r', coordinator: 'c', writes: [], readKeys: ['x'], reads: ['x'], atMs: 0}]
    const p = Participant.recover(participantConfig('p1', new Map([['x', '9']])), log, 100)
    expect(p.ready().send).toEqual([{type: 'query', txn: 'r', from: 'p1', to: 'c', values: [{key: 'x', value: '9'}]}])
  })
})

describe('participant checkpoint', () => {
  it('recover from a checkpoint and the records after it rebuilds what recover from the whole log does', () => {
    const p = newParticipant('p1')
    p.step(prepare('t1', [x1]), 0)
    p.step(prepare('t2', [{key: 'y', value: '1'}]), 0)
    p.step(decision('commit', 't1'), 1)
    const whole: ParticipantLogRecord[] = [...p.ready().persist]
    const checkpoint = JSON.parse(JSON.stringify(p.checkpoint()))
    p.step(prepare('t3', [{key: 'z', value: '1'}]), 2)
    p.step(decision('abort', 't2'), 3)
    const after = p.ready().persist
    const fromCheckpoint = Participant.recover(participantConfig('p1', new Map()), after, 10, checkpoint)
    const fromLog = Participant.recover(participantConfig('p1', new Map()), [...whole, ...after], 10)
    expect(fromCheckpoint.inDoubt()).toEqual(fromLog.inDoubt())
    expect(fromCheckpoint.inDoubt().map((t) => t.txn)).toEqual(['t3'])
    // The remembered decisions came back too: a late duplicate prepare of t1 is ignored.
    fromCheckpoint.ready()
    fromCheckpoint.step(prepare('t1', [x1]), 11)
    expect(fromCheckpoint.ready().send).toEqual([])
  })
})
