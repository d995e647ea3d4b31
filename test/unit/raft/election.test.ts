import {describe, expect, it} from 'vitest'
import {SeededRng} from '../../../src/core/common/rng.js'
import {RawNode, type VoteRequest} from '../../../src/core/raft/index.js'
import {Network, newNode, outbox, takeReady, ticks} from './harness.js'

const peers = ['n1', 'n2', 'n3']
// The classic §5 algorithm: no pre-vote, no check-quorum lease.
const noPreVote = {preVote: false, checkQuorum: false}

function voteRequest(from: string, to: string, term: number, lastIndex = 0, lastTerm = 0): VoteRequest {
  return {type: 'voteRequest', from, to, term, preVote: false, lastIndex, lastTerm}
}

describe('leader election (§5.2)', () => {
  it('a follower that hears nothing for its election timeout becomes candidate, votes for itself and asks every peer', () => {
    const node = newNode('n1', peers, noPreVote)
    ticks(node, 20)
    const ready = takeReady(node)
    expect(ready.hardState).toMatchObject({term: 1, vote: 'n1'})
    expect(ready.mustSync).toBe(true)
    expect(ready.softState?.role).toBe('candidate')
    expect(ready.messages.map((m) => [m.type, m.to, m.term])).toEqual([
      ['voteRequest', 'n2', 1],
      ['voteRequest', 'n3', 1],
    ])
  })

  it('the election timeout is randomized in [electionTicks, 2*electionTicks)', () => {
    const seen = new Set<number>()
    for (let seed = 0; seed < 200; seed++) {
      const node = new RawNode({id: 'n1', peers, rng: new SeededRng(seed), electionTicks: 10, preVote: false})
      let elapsed = 0
      while (node.status().role === 'follower') {
        node.tick()
        elapsed++
      }
      seen.add(elapsed)
    }
    expect(Math.min(...seen)).toBe(10)
    expect(Math.max(...seen)).toBe(19)
    expect(seen.size).toBe(10)
  })

  it('a candidate that wins a majority becomes leader and appends a no-op entry of its term (§8)', () => {
    const net = new Network(peers, noPreVote)
    net.campaign('n1')
    expect(net.leaders()).toEqual(['n1'])
    expect(net.node('n1').status()).toMatchObject({term: 1, lastIndex: 1, commit: 1})
    expect(net.applied.get('n2')).toEqual([{index: 1, term: 1, data: ''}])
  })

  it('a node grants at most one vote per term, first come first served', () => {
    const voter = newNode('n3', peers, noPreVote)
    voter.step(voteRequest('n1', 'n3', 1))
    voter.step(voteRequest('n2', 'n3', 1))
    const responses = outbox(voter).filter((m) => m.type === 'voteResponse')
    expect(responses.map((m) => [m.to, m.type === 'voteResponse' && m.granted])).toEqual([
      ['n1', true],
      ['n2', false],
    ])
  })

  it('a repeated vote request from the candidate already voted for is granted again (it may have lost the answer)', () => {
    const voter = newNode('n3', peers, noPreVote)
    voter.step(voteRequest('n1', 'n3', 1))
    voter.step(voteRequest('n1', 'n3', 1))
    const granted = outbox(voter).filter((m) => m.type === 'voteResponse' && m.granted)
    expect(granted).toHaveLength(2)
  })

  it('a voter denies a candidate whose log is less up-to-date (§5.4.1)', () => {
    const net = new Network(peers, noPreVote)
    net.campaign('n1')
    net.act('n1', (n) => n.propose('x'))
    const voter = net.node('n2')
    voter.step(voteRequest('n3', 'n2', 5, 1, 1))
    const response = outbox(voter).find((m) => m.type === 'voteResponse')
    expect(response).toMatchObject({granted: false, term: 5})
  })

  it('a candidate that hears AppendEntries from a leader of its term returns to follower', () => {
    const node = newNode('n1', peers, noPreVote)
    node.campaign()
    takeReady(node)
    node.step({type: 'appendEntries', from: 'n2', to: 'n1', term: 1, prevIndex: 0, prevTerm: 0, entries: [], commit: 0})
    expect(node.status()).toMatchObject({role: 'follower', leader: 'n2', term: 1})
  })

  it('a candidate that loses the majority of votes returns to follower', () => {
    const node = newNode('n1', peers, noPreVote)
    node.campaign()
    takeReady(node)
    for (const from of ['n2', 'n3']) {
      node.step({type: 'voteResponse', from, to: 'n1', term: 1, preVote: false, granted: false})
    }
    expect(node.status().role).toBe('follower')
  })

  it('a node that sees a higher term adopts it and becomes follower (§5.1)', () => {
    const net = new Network(peers, noPreVote)
    net.campaign('n1')
    net.deliver({type: 'heartbeatResponse', from: 'n2', to: 'n1', term: 7, context: null, leaderTick: 0})
    expect(net.node('n1').status()).toMatchObject({role: 'follower', term: 7})
  })

  it('a message from an older term is ignored (§5.1)', () => {
    const net = new Network(peers, noPreVote)
    net.campaign('n1')
    net.campaign('n2')
    expect(net.node('n2').status()).toMatchObject({role: 'leader', term: 2})
    net.deliver({type: 'appendEntries', from: 'n1', to: 'n3', term: 1, prevIndex: 2, prevTerm: 2, entries: [{index: 3, term: 1, data: 'stale'}], commit: 3})
    expect(net.node('n3').status()).toMatchObject({term: 2, lastIndex: 2, leader: 'n2'})
  })

  it('a single-node cluster elects itself and commits alone, but only after persisting', () => {
    const node = newNode('n1', ['n1'])
    node.campaign()
    const first = takeReady(node)
    expect(first.softState?.role).toBe('leader')
    expect(first.committedEntries).toEqual([])
    const second = takeReady(node)
    expect(second.committedEntries).toEqual([{index: 1, term: 1, data: ''}])
  })
})
