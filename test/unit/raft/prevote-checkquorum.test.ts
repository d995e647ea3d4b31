import {describe, expect, it} from 'vitest'
import {Network, outbox} from './harness.js'

const peers = ['n1', 'n2', 'n3']

/** n1 leads; n3 is cut off for many election timeouts (missing one write) and then rejoins. */
function partitionAndRejoin(options: {preVote: boolean; checkQuorum: boolean}): Network {
  const net = new Network(peers, options)
  net.campaign('n1')
  net.isolate('n3')
  net.act('n1', (n) => n.propose('x'))
  net.tickAll(100)
  net.heal()
  net.tickAll(40)
  return net
}

describe('pre-vote (thesis §9.6)', () => {
  it('a partitioned node does not raise its term, and on rejoining with a stale log does not disrupt the leader', () => {
    const net = partitionAndRejoin({preVote: true, checkQuorum: false})
    expect(net.node('n3').status().term).toBe(1)
    expect(net.leaders()).toEqual(['n1'])
    expect(net.node('n1').status().term).toBe(1)
  })

  it('without pre-vote or check-quorum the rejoining node forces the leader out (the problem pre-vote solves)', () => {
    const net = partitionAndRejoin({preVote: false, checkQuorum: false})
    expect(net.node('n1').status().term).toBeGreaterThan(1)
  })

  it('a pre-vote changes neither the voter’s term nor its vote', () => {
    const net = new Network(peers, {preVote: true, checkQuorum: false})
    const voter = net.node('n2')
    voter.step({type: 'voteRequest', from: 'n3', to: 'n2', term: 1, preVote: true, lastIndex: 0, lastTerm: 0})
    expect(outbox(voter)).toMatchObject([{type: 'voteResponse', preVote: true, granted: true, term: 1}])
    expect(voter.status()).toMatchObject({term: 0, vote: null})
  })

  it('a node that wins the pre-vote then runs a real election in the next term', () => {
    const net = new Network(peers, {preVote: true})
    net.campaign('n1')
    expect(net.leaders()).toEqual(['n1'])
    expect(net.node('n1').status().term).toBe(1)
    const kinds = net.sent.filter((m) => m.type === 'voteRequest').map((m) => m.type === 'voteRequest' && m.preVote)
    expect(kinds).toEqual([true, true, false, false])
  })
})

describe('check-quorum (thesis §6.2) and the leader lease on votes (thesis §4.2.3)', () => {
  it('a leader that hears from no majority for an election timeout steps down', () => {
    const net = new Network(peers, {checkQuorum: true, electionTicks: 10})
    net.campaign('n1')
    net.isolate('n1')
    net.tickAll(9)
    expect(net.node('n1').status().role).toBe('leader')
    net.tickAll(11)
    expect(net.node('n1').status()).toMatchObject({role: 'follower', leader: null})
  })

  it('a leader that keeps hearing from a majority stays leader', () => {
    const net = new Network(peers, {checkQuorum: true})
    net.campaign('n1')
    net.isolate('n3')
    net.tickAll(50)
    expect(net.node('n1').status().role).toBe('leader')
  })

  it('a follower that heard from the leader within the election timeout ignores a higher-term vote request', () => {
    const net = new Network(peers, {checkQuorum: true, preVote: false})
    net.campaign('n1')
    const follower = net.node('n2')
    follower.step({type: 'voteRequest', from: 'n3', to: 'n2', term: 9, preVote: false, lastIndex: 5, lastTerm: 5})
    expect(outbox(follower)).toEqual([])
    expect(follower.status()).toMatchObject({term: 1, leader: 'n1'})
  })

  it('a deposed leader back from a partition learns the new term from the first follower it contacts', () => {
    // Pre-vote and check-quorum hold back the vote requests that used to carry
    // the new term, so followers answer a stale leader's heartbeat with theirs.
    const net = new Network(peers, {checkQuorum: false, preVote: true})
    net.campaign('n1')
    net.isolate('n1')
    net.campaign('n2')
    expect(net.node('n2').status()).toMatchObject({role: 'leader', term: 2})
    net.heal()
    net.act('n1', (n) => n.tick()) // its heartbeat at term 1 is answered with term 2
    expect(net.node('n1').status()).toMatchObject({role: 'follower', term: 2})
  })
})
