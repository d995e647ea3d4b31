import {describe, expect, it} from 'vitest'
import type {AppendEntries, AppendEntriesResponse, Entry, Message} from '../../../src/core/raft/index.js'
import {Network, newNode, outbox, takeReady} from './harness.js'

const classic = {preVote: false, checkQuorum: false}

function entries(from: number, to: number, term: number): Entry[] {
  return Array.from({length: to - from + 1}, (_, i) => ({index: from + i, term, data: `t${term}-${from + i}`}))
}

function append(prevIndex: number, prevTerm: number, newEntries: Entry[], term = 5, commit = 0): AppendEntries {
  return {type: 'appendEntries', from: 'n1', to: 'n2', term, prevIndex, prevTerm, entries: newEntries, commit}
}

function responses(messages: Message[]): AppendEntriesResponse[] {
  return messages.filter((m): m is AppendEntriesResponse => m.type === 'appendEntriesResponse')
}

/** A follower n2 restarted with `log` at `term`. */
function follower(log: Entry[], term = 4) {
  return newNode('n2', ['n1', 'n2', 'n3'], classic, {hardState: {term, vote: null, commit: 0}, entries: log})
}

describe('log replication (§5.3)', () => {
  it('the leader commits an entry once a majority stores it, and followers apply it', () => {
    const net = new Network(['n1', 'n2', 'n3'], classic)
    net.campaign('n1')
    net.act('n1', (n) => n.propose('x'))
    for (const id of net.ids) expect(net.appliedData(id)).toEqual(['x'])
  })

  it('an entry stored on a minority is not committed', () => {
    const net = new Network(['n1', 'n2', 'n3'], classic)
    net.campaign('n1')
    net.isolate('n1')
    net.act('n1', (n) => n.propose('x'))
    expect(net.node('n1').status().commit).toBe(1)
    expect(net.appliedData('n1')).toEqual([])
  })

  it('a follower rejects AppendEntries whose (prevIndex, prevTerm) it lacks, hinting where the logs may match', () => {
    const node = follower([...entries(1, 2, 1), ...entries(3, 3, 2)])
    node.step(append(3, 3, entries(4, 4, 3)))
    node.step(append(7, 3, entries(8, 8, 3)))
    expect(responses(outbox(node)).map((r) => [r.reject, r.index, r.hintIndex, r.hintTerm])).toEqual([
      [true, 3, 3, 2], // our entry 3 has term 2: the leader should look at or below its last index of term <= 2
      [true, 7, 3, 2], // we end at 3
    ])
  })

  it('a follower deletes a conflicting suffix and hands out the replacement from the conflict index', () => {
    const node = follower([...entries(1, 2, 1), ...entries(3, 4, 2)])
    node.step(append(2, 1, entries(3, 3, 3)))
    const ready = takeReady(node)
    expect(ready.entries).toEqual(entries(3, 3, 3))
    expect(node.status().lastIndex).toBe(3)
    expect(responses([...ready.messages])[0]).toMatchObject({reject: false, index: 3})
  })

  it('a follower keeps entries that match, even when a delayed shorter AppendEntries arrives (no truncation)', () => {
    const node = follower(entries(1, 4, 2))
    node.step(append(1, 2, entries(2, 2, 2)))
    expect(node.status().lastIndex).toBe(4)
    expect(takeReady(node).entries).toEqual([])
  })

  it('fast back-off: the leader skips a whole conflicting term in one round trip', () => {
    const net = new Network(['n1', 'n2', 'n3'], classic)
    const leaderLog = [...entries(1, 10, 1), ...entries(11, 20, 3)]
    const divergent = [...entries(1, 10, 1), ...entries(11, 30, 2)]
    net.nodes.set('n1', newNode('n1', net.ids, classic, {hardState: {term: 3, vote: null, commit: 10}, entries: leaderLog}))
    net.nodes.set('n2', newNode('n2', net.ids, classic, {hardState: {term: 3, vote: null, commit: 10}, entries: divergent}))
    net.nodes.set('n3', newNode('n3', net.ids, classic, {hardState: {term: 3, vote: null, commit: 10}, entries: leaderLog}))
    net.campaign('n1')
    const rejects = responses(net.sent).filter((r) => r.from === 'n2' && r.reject)
    expect(rejects).toHaveLength(1) // stepping back one index per round trip would take 11
    net.tickAll(1) // the commit index reaches n2 with the next heartbeat
    expect(net.node('n2').status()).toMatchObject({lastIndex: 21, commit: 21})
    expect(net.appliedData('n2').slice(-10)).toEqual(leaderLog.slice(10).map((e) => e.data))
  })

  it('§5.4.2 (Figure 8): a leader does not commit an entry of an older term by counting replicas', () => {
    const peers = ['n1', 'n2', 'n3', 'n4', 'n5']
    const log = [...entries(1, 1, 1), ...entries(2, 2, 2)]
    const leader = newNode('n1', peers, classic, {hardState: {term: 3, vote: null, commit: 1}, entries: log})
    leader.campaign()
    takeReady(leader)
    for (const from of ['n2', 'n3']) leader.step({type: 'voteResponse', from, to: 'n1', term: 4, preVote: false, granted: true})
    takeReady(leader) // became leader at term 4; no-op at index 3 persisted
    const ack = (from: string, index: number): void =>
      leader.step({type: 'appendEntriesResponse', from, to: 'n1', term: 4, index, reject: false, hintIndex: 0, hintTerm: 0})
    ack('n2', 2)
    ack('n3', 2)
    takeReady(leader)
    // Index 2 (term 2) is on a majority, but committing it now could be undone (Figure 8 (d)).
    expect(leader.status().commit).toBe(1)
    ack('n2', 3)
    ack('n3', 3)
    expect(takeReady(leader).committedEntries.map((e) => e.index)).toEqual([2, 3])
  })

  it('AppendEntries carries at most maxEntriesPerMsg entries and at most maxAppendBytes of data', () => {
    const net = new Network(['n1', 'n2', 'n3'], {...classic, maxEntriesPerMsg: 3, maxAppendBytes: 10})
    net.campaign('n1')
    net.isolate('n2')
    for (let i = 0; i < 10; i++) net.act('n1', (n) => n.propose(i === 5 ? 'big-entry-data' : 'abcd'))
    net.heal()
    net.tickAll(2)
    const toN2 = net.sent.filter((m): m is AppendEntries => m.type === 'appendEntries' && m.to === 'n2' && m.entries.length > 0)
    for (const m of toN2) {
      expect(m.entries.length).toBeLessThanOrEqual(3)
      const bytes = m.entries.reduce((sum, e) => sum + e.data.length, 0)
      expect(m.entries.length === 1 || bytes <= 10).toBe(true)
    }
    expect(net.appliedData('n2')).toHaveLength(10)
  })

  it('a follower in replicate state has at most maxInflightMsgs unacknowledged AppendEntries', () => {
    const net = new Network(['n1', 'n2', 'n3'], {...classic, maxInflightMsgs: 2})
    net.campaign('n1')
    net.drop = (m) => m.type === 'appendEntriesResponse' && m.from === 'n2'
    const before = net.sent.length
    for (let i = 0; i < 5; i++) net.act('n1', (n) => n.propose(`x${i}`))
    const carrying = net.sent.slice(before).filter((m) => m.type === 'appendEntries' && m.to === 'n2' && m.entries.length > 0)
    expect(carrying).toHaveLength(2)
    expect(net.node('n1').status().progress?.n2).toMatchObject({state: 'replicate', inflight: 2})
    net.drop = () => false
    net.tickAll(1) // a heartbeat answer frees the window; the follower catches up
    expect(net.appliedData('n2')).toEqual(['x0', 'x1', 'x2', 'x3', 'x4'])
  })

  it('the leader counts its own copy of an entry only once it is persisted (thesis §10.2.1)', () => {
    const leader = newNode('n1', ['n1', 'n2', 'n3'], classic)
    leader.campaign()
    takeReady(leader)
    leader.step({type: 'voteResponse', from: 'n2', to: 'n1', term: 1, preVote: false, granted: true})
    // n2 acknowledges the no-op before the leader has persisted it: one copy of three is not a majority.
    leader.step({type: 'appendEntriesResponse', from: 'n2', to: 'n1', term: 1, index: 1, reject: false, hintIndex: 0, hintTerm: 0})
    expect(leader.status().commit).toBe(0)
    takeReady(leader)
    expect(leader.status().commit).toBe(1)
  })
})
