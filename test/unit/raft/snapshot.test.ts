import {describe, expect, it} from 'vitest'
import type {Snapshot} from '../../../src/core/raft/index.js'
import {Network, newNode, takeReady} from './harness.js'

const peers = ['n1', 'n2', 'n3']

/** n1 leads and n3 misses ten entries, then n1 and n2 compact their logs past them. */
function compactedWhileN3Away(): Network {
  const net = new Network(peers)
  net.campaign('n1')
  net.isolate('n3')
  for (let i = 0; i < 10; i++) net.act('n1', (n) => n.propose(`x${i}`))
  for (const id of ['n1', 'n2']) {
    const node = net.node(id)
    node.compact(node.status().applied, `state-of-${id}`)
  }
  return net
}

describe('snapshots and log compaction (§7)', () => {
  it('compact() drops the log prefix and returns the snapshot to persist', () => {
    const net = new Network(peers)
    net.campaign('n1')
    for (let i = 0; i < 3; i++) net.act('n1', (n) => n.propose(`x${i}`))
    const snapshot = net.node('n1').compact(3, 'kv@3')
    expect(snapshot).toEqual({index: 3, term: 1, peers, data: 'kv@3'})
    expect(net.node('n1').status()).toMatchObject({firstIndex: 4, lastIndex: 4})
  })

  it('the leader sends InstallSnapshot to a follower that needs compacted entries, and the follower catches up', () => {
    const net = compactedWhileN3Away()
    net.heal()
    net.tickAll(2)
    const installs = net.sent.filter((m) => m.type === 'installSnapshot' && m.to === 'n3')
    expect(installs).toHaveLength(1)
    expect(net.node('n3').status()).toMatchObject({firstIndex: 12, commit: 11, applied: 11})
    net.act('n1', (n) => n.propose('after'))
    expect(net.appliedData('n3')).toEqual(['after'])
  })

  it('a lost InstallSnapshot is sent again after an election timeout', () => {
    const net = compactedWhileN3Away()
    net.heal()
    let dropped = 0
    net.drop = (m) => m.type === 'installSnapshot' && dropped++ === 0
    net.tickAll(25)
    expect(net.sent.filter((m) => m.type === 'installSnapshot' && m.to === 'n3')).toHaveLength(2)
    expect(net.node('n3').status().applied).toBe(11)
  })

  it('a follower restoring a snapshot discards its log and hands the snapshot out before any entry', () => {
    const follower = newNode('n2', peers, {}, {
      hardState: {term: 1, vote: null, commit: 1},
      entries: [
        {index: 1, term: 1, data: 'a'},
        {index: 2, term: 1, data: 'uncommitted'},
      ],
    })
    const snapshot: Snapshot = {index: 5, term: 2, peers, data: 'state@5'}
    follower.step({type: 'installSnapshot', from: 'n1', to: 'n2', term: 2, snapshot})
    const ready = takeReady(follower)
    expect(ready.snapshot).toEqual(snapshot)
    expect(ready.mustSync).toBe(true)
    expect(ready.entries).toEqual([])
    expect(ready.committedEntries).toEqual([])
    expect(ready.messages).toMatchObject([{type: 'appendEntriesResponse', reject: false, index: 5}])
    expect(follower.status()).toMatchObject({firstIndex: 6, lastIndex: 5, commit: 5, applied: 5})
  })

  it('a snapshot already covered by the follower’s log only advances its commit index', () => {
    const follower = newNode('n2', peers, {}, {
      hardState: {term: 1, vote: null, commit: 0},
      entries: [1, 2, 3].map((index) => ({index, term: 1, data: `e${index}`})),
    })
    follower.step({type: 'installSnapshot', from: 'n1', to: 'n2', term: 1, snapshot: {index: 2, term: 1, peers, data: ''}})
    const ready = takeReady(follower)
    expect(ready.snapshot).toBeUndefined()
    expect(ready.committedEntries.map((e) => e.index)).toEqual([1, 2])
    expect(follower.status().lastIndex).toBe(3)
  })
})

describe('restart from persisted state', () => {
  it('a node restarts with its term, vote, snapshot and log, and re-applies committed entries after the snapshot', () => {
    const node = newNode('n1', peers, {}, {
      hardState: {term: 4, vote: 'n2', commit: 7},
      snapshot: {index: 5, term: 3, peers, data: 'state@5'},
      entries: [4, 5, 6, 7, 8].map((index) => ({index, term: index < 6 ? 3 : 4, data: `e${index}`})),
    })
    expect(node.status()).toMatchObject({term: 4, vote: 'n2', commit: 7, applied: 5, firstIndex: 6, lastIndex: 8})
    const ready = takeReady(node)
    expect(ready.hardState).toBeUndefined()
    expect(ready.entries).toEqual([])
    expect(ready.committedEntries.map((e) => e.index)).toEqual([6, 7])
  })

  it('a restarted node keeps its vote: it will not vote for another candidate in the same term', () => {
    const node = newNode('n1', peers, {preVote: false, checkQuorum: false}, {hardState: {term: 4, vote: 'n2', commit: 0}, entries: []})
    node.step({type: 'voteRequest', from: 'n3', to: 'n1', term: 4, preVote: false, lastIndex: 9, lastTerm: 4})
    expect(takeReady(node).messages).toMatchObject([{type: 'voteResponse', granted: false}])
  })
})
