import {describe, expect, it} from 'vitest'
import {Network} from './harness.js'

const peers = ['n1', 'n2', 'n3']

function heartbeatsWithContext(net: Network, requestId: string): number {
  return net.sent.filter((m) => m.type === 'heartbeat' && m.context === requestId).length
}

describe('linearizable reads with ReadIndex (thesis §6.4)', () => {
  it('the leader hands out its commit index once a majority answers a heartbeat sent after the request', () => {
    const net = new Network(peers)
    net.campaign('n1')
    net.act('n1', (n) => n.propose('x'))
    net.act('n1', (n) => n.readIndex('r1'))
    expect(heartbeatsWithContext(net, 'r1')).toBe(2)
    expect(net.readStates.get('n1')).toEqual([{requestId: 'r1', index: 2}])
  })

  it('a leader does not serve a read before it has committed an entry of its own term', () => {
    const net = new Network(peers)
    net.drop = (m) => m.type === 'appendEntriesResponse'
    net.campaign('n1')
    expect(net.node('n1').status()).toMatchObject({role: 'leader', commit: 0})
    net.act('n1', (n) => n.readIndex('r1'))
    expect(net.readStates.get('n1')).toEqual([])
    net.drop = () => false
    net.tickAll(1)
    expect(net.node('n1').status().commit).toBe(1)
    expect(net.readStates.get('n1')).toEqual([{requestId: 'r1', index: 1}])
  })

  it('a leader cut off from the majority cannot serve a read', () => {
    const net = new Network(peers)
    net.campaign('n1')
    net.isolate('n1')
    net.act('n1', (n) => n.readIndex('r1'))
    net.tickAll(5)
    expect(net.readStates.get('n1')).toEqual([])
  })

  it('a follower forwards the read to the leader and receives the read index', () => {
    const net = new Network(peers)
    net.campaign('n1')
    net.act('n1', (n) => n.propose('x'))
    net.act('n2', (n) => n.readIndex('r2'))
    expect(net.sent.filter((m) => m.type === 'readIndex')).toMatchObject([{from: 'n2', to: 'n1', requestId: 'r2'}])
    expect(net.readStates.get('n2')).toEqual([{requestId: 'r2', index: 2}])
  })

  it('a node that knows no leader refuses the read at once', () => {
    const net = new Network(peers)
    expect(net.node('n2').readIndex('r1')).toEqual({ok: false, reason: 'noLeader'})
  })

  it('a duplicated forwarded request is confirmed once', () => {
    const net = new Network(peers)
    net.campaign('n1')
    net.isolate('n1')
    net.deliver({type: 'readIndex', from: 'n2', to: 'n1', term: 1, requestId: 'r1'})
    net.deliver({type: 'readIndex', from: 'n2', to: 'n1', term: 1, requestId: 'r1'})
    expect(heartbeatsWithContext(net, 'r1')).toBe(2) // one round of two heartbeats, not two rounds
  })
})

describe('lease-based reads (thesis §6.4.1)', () => {
  /** A cluster past its start-up vote embargo, with an elected leader. */
  function leaseCluster(): {net: Network; leader: string} {
    const net = new Network(peers, {readOnly: 'leaseBased', electionTicks: 10})
    net.tickAll(40)
    const [leader] = net.leaders()
    expect(leader).toBeDefined()
    return {net, leader}
  }

  it('a leader holding the lease answers at once, without a heartbeat round', () => {
    const {net, leader} = leaseCluster()
    net.act(leader, (n) => n.readIndex('r1'))
    expect(heartbeatsWithContext(net, 'r1')).toBe(0)
    expect(net.readStates.get(leader)).toEqual([{requestId: 'r1', index: net.node(leader).status().commit}])
  })

  it('once the lease has lapsed the leader falls back to a heartbeat round', () => {
    const {net, leader} = leaseCluster()
    net.isolate(leader)
    net.tickAll(8)
    expect(net.node(leader).status().role).toBe('leader')
    net.act(leader, (n) => n.readIndex('r1'))
    expect(heartbeatsWithContext(net, 'r1')).toBe(2)
    expect(net.readStates.get(leader)).toEqual([])
  })

  it('a node just started ignores vote requests for an election timeout: it may be part of a lease it forgot', () => {
    const net = new Network(peers, {readOnly: 'leaseBased'})
    net.campaign('n1')
    expect(net.leaders()).toEqual([])
    net.tickAll(40)
    expect(net.leaders()).toHaveLength(1)
  })

  it('needs check-quorum', () => {
    expect(() => new Network(peers, {readOnly: 'leaseBased', checkQuorum: false})).toThrow(/checkQuorum/)
  })
})
