import {describe, expect, it} from 'vitest'
import {Coordinator} from '../../../src/core/txn/coordinator.js'
import type {FailpointName} from '../../../src/core/txn/failpoints.js'
import {ack, coordinatorConfig, fromParticipant, newCoordinator, sent} from './fixtures.js'

const writes = [
  {key: 'p1/a', value: '1'},
  {key: 'p2/b', value: '2'},
]

/** Begins txn t1 over p1 and p2 and collects both yes votes, with `failpoint` armed. */
function committedT1(failpoint?: FailpointName): Coordinator {
  const c = newCoordinator()
  if (failpoint) c.arm(failpoint)
  c.begin('t1', writes, [], 0)
  c.step(fromParticipant('vote-yes', 't1', 'p1'), 10)
  c.step(fromParticipant('vote-yes', 't1', 'p2'), 20)
  return c
}

describe('coordinator phase 1', () => {
  it('sends each participant a prepare with only the writes and conditions on its keys', () => {
    const c = newCoordinator()
    c.begin('t1', [...writes, {key: 'p1/c', value: '3'}], [{key: 'p3/d', value: null}], 0)
    const ready = c.ready()
    expect(ready.send).toEqual([
      {type: 'prepare', txn: 't1', from: 'c', to: 'p1', writes: [writes[0], {key: 'p1/c', value: '3'}], conditions: []},
      {type: 'prepare', txn: 't1', from: 'c', to: 'p2', writes: [writes[1]], conditions: []},
      {type: 'prepare', txn: 't1', from: 'c', to: 'p3', writes: [], conditions: [{key: 'p3/d', value: null}]},
    ])
    expect(ready.persist).toEqual([])
    expect(ready.results).toEqual([])
  })

  it('refuses a malformed transaction (the node validates with txnRequestError first)', () => {
    const c = newCoordinator()
    expect(() => c.begin('t1', [], [], 0)).toThrow(/at least one write/)
    expect(() => c.begin('t2', [writes[0], writes[0]], [], 0)).toThrow(/written twice/)
  })

  it('re-sends prepares to participants that have not voted, then aborts with reason timeout', () => {
    const c = newCoordinator()
    c.begin('t1', writes, [], 0)
    c.ready()
    c.step(fromParticipant('vote-yes', 't1', 'p1'), 10)
    c.tick(c.nextWakeMs()!)
    expect(sent(c.ready().send)).toEqual(['prepare t1 c->p2'])
    for (;;) {
      c.tick(c.nextWakeMs()!)
      if (c.phaseOf('t1') !== 'preparing') break
      expect(sent(c.ready().send)).toEqual(['prepare t1 c->p2'])
    }
    const ready = c.ready()
    expect(ready.results).toEqual([expect.objectContaining({txn: 't1', outcome: 'aborted', reason: 'timeout'})])
    expect(ready.results[0].timeline.decidedMs).toBe(1_000)
    expect(ready.persist).toEqual([])
    expect(sent(ready.send)).toEqual(['abort t1 c->p1', 'abort t1 c->p2'])
  })

  it('aborts at the first no vote with its reason, and tells only the participants that did not vote no', () => {
    const c = newCoordinator()
    c.begin('t1', writes, [], 0)
    c.ready()
    c.step({type: 'vote-no', txn: 't1', from: 'p2', to: 'c', reason: 'conflict', detail: 'key "p2/b" is locked by txn t0'}, 5)
    const ready = c.ready()
    expect(ready.results).toEqual([
      expect.objectContaining({outcome: 'aborted', reason: 'conflict', detail: 'participant p2 voted no: key "p2/b" is locked by txn t0'}),
    ])
    expect(ready.persist).toEqual([])
    expect(sent(ready.send)).toEqual(['abort t1 c->p1'])
    c.step(ack('t1', 'p1', 'aborted'), 6)
    expect(c.ready().finished).toEqual([expect.objectContaining({txn: 't1', outcome: 'aborted', recovered: false})])
    expect(c.activeTxnCount).toBe(0)
  })

  it('aborts with reason "participant down" when a prepare cannot be delivered', () => {
    const c = newCoordinator()
    c.begin('t1', writes, [], 0)
    const [toP1] = c.ready().send
    c.undeliverable(toP1, 1)
    expect(c.ready().results).toEqual([expect.objectContaining({outcome: 'aborted', reason: 'participant down'})])
  })

  it('runs many transactions at once, each on its own', () => {
    const c = newCoordinator()
    c.begin('t1', writes, [], 0)
    c.begin('t2', writes, [], 0)
    c.step(fromParticipant('vote-yes', 't2', 'p1'), 1)
    c.step(fromParticipant('vote-yes', 't2', 'p2'), 1)
    expect(c.phaseOf('t1')).toBe('preparing')
    expect(c.phaseOf('t2')).toBe('committing')
    expect(c.activeTxnCount).toBe(2)
  })
})

describe('coordinator decision (presumed abort)', () => {
  it('forces the COMMIT record in the same Ready as the commits and the answer, so nothing leaves before it is durable', () => {
    const ready = committedT1().ready()
    expect(ready.persist).toEqual([{type: 'commit', txn: 't1', participants: ['p1', 'p2'], atMs: 20}])
    expect(ready.mustSync).toBe(true)
    expect(sent(ready.send)).toEqual(['prepare t1 c->p1', 'prepare t1 c->p2', 'commit t1 c->p1', 'commit t1 c->p2'])
    expect(ready.results).toEqual([{txn: 't1', outcome: 'committed', timeline: {prepareSentMs: 0, votesCollectedMs: 20, decidedMs: 20, acksCollectedMs: undefined}}])
  })

  it('re-sends commit with growing, bounded delays until every participant acks, then writes a non-forced END', () => {
    const c = committedT1()
    c.ready()
    c.step(ack('t1', 'p1'), 30)
    const gapsMs: number[] = []
    let nowMs = 30
    for (let i = 0; i < 8; i++) {
      const wakeMs = c.nextWakeMs()!
      gapsMs.push(wakeMs - nowMs)
      nowMs = wakeMs
      c.tick(nowMs)
      expect(sent(c.ready().send)).toEqual(['commit t1 c->p2'])
    }
    expect(gapsMs.slice(-3).every((gapMs) => gapMs >= 400 && gapMs <= 800)).toBe(true)
    c.step(ack('t1', 'p2'), nowMs + 1)
    const ready = c.ready()
    expect(ready.persist).toEqual([{type: 'end', txn: 't1'}])
    expect(ready.mustSync).toBe(false)
    expect(ready.finished).toEqual([{txn: 't1', outcome: 'committed', recovered: false, timeline: expect.objectContaining({acksCollectedMs: nowMs + 1})}])
    expect(c.nextWakeMs()).toBeUndefined()
  })

  it('answers a query for a transaction it does not know with abort', () => {
    const c = newCoordinator()
    c.step(fromParticipant('query', 'old', 'p1'), 0)
    expect(sent(c.ready().send)).toEqual(['abort old c->p1'])
  })

  it('counts a query for a transaction in phase 1 as a yes vote and never answers it abort', () => {
    const c = newCoordinator()
    c.begin('t1', writes, [], 0)
    c.ready()
    c.step(fromParticipant('query', 't1', 'p1'), 5)
    expect(c.ready().send).toEqual([])
    c.step(fromParticipant('vote-yes', 't1', 'p2'), 6)
    expect(sent(c.ready().send)).toEqual(['commit t1 c->p1', 'commit t1 c->p2'])
  })

  it('answers a late vote or a query with the decision already made', () => {
    const c = committedT1()
    c.ready()
    c.step(fromParticipant('query', 't1', 'p2'), 30)
    expect(sent(c.ready().send)).toEqual(['commit t1 c->p2'])
    c.begin('t2', writes, [], 0)
    c.step({type: 'vote-no', txn: 't2', from: 'p1', to: 'c', reason: 'condition failed', detail: ''}, 1)
    c.ready()
    c.step(fromParticipant('vote-yes', 't2', 'p2'), 2)
    expect(sent(c.ready().send)).toEqual(['abort t2 c->p2'])
  })

  it('ignores a stale no vote once it has decided commit', () => {
    const c = committedT1()
    c.ready()
    c.step({type: 'vote-no', txn: 't1', from: 'p1', to: 'c', reason: 'conflict', detail: ''}, 30)
    expect(c.phaseOf('t1')).toBe('committing')
    expect(c.ready().results).toEqual([])
  })
})

describe('coordinator recovery', () => {
  it('re-drives every COMMIT without END and presumes the rest aborted', () => {
    const records = [
      {type: 'commit' as const, txn: 'done', participants: ['p1'], atMs: 1},
      {type: 'end' as const, txn: 'done'},
      {type: 'commit' as const, txn: 'open', participants: ['p1', 'p2'], atMs: 2},
    ]
    const c = Coordinator.recover(coordinatorConfig(), records, 100)
    expect(sent(c.ready().send)).toEqual(['commit open c->p1', 'commit open c->p2'])
    expect(c.stats.recoveredCommits).toBe(1)
    c.step(fromParticipant('query', 'never-decided', 'p3'), 101)
    c.step(fromParticipant('query', 'done', 'p1'), 101)
    expect(sent(c.ready().send)).toEqual(['abort never-decided c->p3', 'abort done c->p1'])
    c.step(ack('open', 'p1'), 102)
    c.step(ack('open', 'p2'), 103)
    const ready = c.ready()
    expect(ready.persist).toEqual([{type: 'end', txn: 'open'}])
    expect(ready.finished).toEqual([expect.objectContaining({txn: 'open', outcome: 'committed', recovered: true})])
  })
})

describe('coordinator checkpoint', () => {
  it('keeps exactly the COMMIT records not yet acknowledged everywhere; recover from it re-drives them', () => {
    const c = committedT1()
    c.begin('t2', writes, [], 30)
    c.begin('t3', writes, [], 30)
    c.step(fromParticipant('vote-yes', 't3', 'p1'), 31)
    c.step(fromParticipant('vote-yes', 't3', 'p2'), 31)
    c.step(ack('t3', 'p1'), 32)
    c.step(ack('t3', 'p2'), 32)
    // t1 committed, unacknowledged; t2 undecided (presumed abort needs nothing of it); t3 finished.
    expect(c.checkpoint()).toEqual([{type: 'commit', txn: 't1', participants: ['p1', 'p2'], atMs: 20}])
    const recovered = Coordinator.recover(coordinatorConfig(), c.checkpoint(), 100)
    expect(sent(recovered.ready().send)).toEqual(['commit t1 c->p1', 'commit t1 c->p2'])
    expect(recovered.checkpoint()).toEqual(c.checkpoint())
  })
})

describe('coordinator reads', () => {
  it('sends each participant its share of the reads and the lock wait, and answers a commit with the voted values in request order', () => {
    const c = newCoordinator()
    c.begin('t1', [{key: 'p1/m', value: 'x'}], [], 0, {reads: ['p2/b', 'p1/a', 'p3/c'], lockWaitMs: 300})
    expect(c.ready().send).toEqual([
      {type: 'prepare', txn: 't1', from: 'c', to: 'p1', writes: [{key: 'p1/m', value: 'x'}], conditions: [], reads: ['p1/a'], lockWaitMs: 300},
      {type: 'prepare', txn: 't1', from: 'c', to: 'p2', writes: [], conditions: [], reads: ['p2/b'], lockWaitMs: 300},
      {type: 'prepare', txn: 't1', from: 'c', to: 'p3', writes: [], conditions: [], reads: ['p3/c'], lockWaitMs: 300},
    ])
    c.step({type: 'vote-yes', txn: 't1', from: 'p1', to: 'c', values: [{key: 'p1/a', value: '1'}]}, 1)
    // A query from a prepared participant counts as its vote, and carries its values too.
    c.step({type: 'query', txn: 't1', from: 'p3', to: 'c', values: [{key: 'p3/c', value: null}]}, 2)
    c.step({type: 'vote-yes', txn: 't1', from: 'p2', to: 'c', values: [{key: 'p2/b', value: '2'}]}, 3)
    expect(c.ready().results).toMatchObject([
      {
        txn: 't1',
        outcome: 'committed',
        values: [
          {key: 'p2/b', value: '2'},
          {key: 'p1/a', value: '1'},
          {key: 'p3/c', value: null},
        ],
      },
    ])
  })
})

describe('coordinator failpoints', () => {
  it('after-prepare-sent: the Ready holds the prepares and the crash, and the dead core takes no more input', () => {
    const c = newCoordinator()
    c.arm('coordinator.after-prepare-sent')
    c.begin('t1', writes, [], 0)
    const ready = c.ready()
    expect(ready.crash).toBe('coordinator.after-prepare-sent')
    expect(sent(ready.send)).toEqual(['prepare t1 c->p1', 'prepare t1 c->p2'])
    c.step(fromParticipant('vote-yes', 't1', 'p1'), 1)
    c.begin('t2', writes, [], 1)
    expect(c.ready()).toEqual({send: [], persist: [], mustSync: false, crash: undefined, results: [], finished: []})
  })

  it('after-decision-logged: the COMMIT record is forced, no commit is sent, the client is not answered', () => {
    const ready = committedT1('coordinator.after-decision-logged').ready()
    expect(ready).toMatchObject({crash: 'coordinator.after-decision-logged', mustSync: true, results: []})
    expect(sent(ready.send)).toEqual(['prepare t1 c->p1', 'prepare t1 c->p2'])
    expect(ready.persist.map((r) => r.type)).toEqual(['commit'])
  })

  it('mid-commit: exactly one commit leaves before the crash', () => {
    const ready = committedT1('coordinator.mid-commit').ready()
    expect(ready.crash).toBe('coordinator.mid-commit')
    expect(sent(ready.send)).toEqual(['prepare t1 c->p1', 'prepare t1 c->p2', 'commit t1 c->p1'])
    expect(ready.results).toEqual([])
  })
})
