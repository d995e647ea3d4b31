import {describe, expect, it} from 'vitest'
import type {RawNode} from '../../../src/core/raft/index.js'
import {Network, newNode, outbox, takeReady, ticks} from './harness.js'

const peers = ['n1', 'n2', 'n3']

/** What a tick can change that its caller sees: something to send or persist, the role, a peer's progress. */
function observable(node: RawNode): string {
  const {role, term, progress} = node.status()
  return JSON.stringify({role, term, progress, ready: node.hasReady()})
}

/** Ticks up to the due one; the claim of ticksUntilDue is that those ticks only count (RaftTicker sleeps through them). */
function tickToDue(node: RawNode): number {
  const due = node.ticksUntilDue()
  expect(due).toBeGreaterThanOrEqual(1)
  const before = observable(node)
  ticks(node, due - 1)
  expect(observable(node)).toBe(before)
  node.tick()
  return due
}

describe('ticksUntilDue: the ticks a caller may sleep through', () => {
  it('a follower campaigns at its due tick and not before', () => {
    for (let seed = 0; seed < 20; seed++) {
      const node = newNode('n1', peers, {preVote: false})
      ticks(node, seed % 7)
      tickToDue(node)
      expect(outbox(node).map((m) => m.type)).toEqual(['voteRequest', 'voteRequest'])
    }
  })

  it('a leader sends its heartbeats at due ticks, every heartbeatTicks', () => {
    const net = new Network(peers, {heartbeatTicks: 4, checkQuorum: false})
    net.campaign('n1')
    const leader = net.node('n1')
    let ticked = 0
    let heartbeatRounds = 0
    while (ticked < 40) {
      ticked += tickToDue(leader)
      // A due tick may also be the leader's election-timeout bookkeeping, which sends nothing. (Its heartbeats are
      // lost, so checkQuorum is off: the leader would rightly step down.)
      const sent = outbox(leader).map((m) => m.type)
      if (sent.length > 0) {
        expect(sent).toEqual(['heartbeat', 'heartbeat'])
        heartbeatRounds++
      }
    }
    expect(ticked).toBe(40)
    expect(heartbeatRounds).toBe(10)
  })

  it('a leader waiting on a snapshot wakes to retry it even when that comes before its next heartbeat', () => {
    // Heartbeats rarely, so the snapshot's retry deadline is sometimes the nearer one.
    const net = new Network(peers, {heartbeatTicks: 7, electionTicks: 10, checkQuorum: false})
    net.campaign('n1')
    net.isolate('n3')
    for (let i = 0; i < 10; i++) net.act('n1', (n) => n.propose(`x${i}`))
    const leader = net.node('n1')
    leader.compact(leader.status().applied, 'state')
    net.heal()
    // Three ticks in, so the snapshot's deadline falls neither on a heartbeat nor on the leader's election timeout.
    ticks(leader, 3)
    net.drop = (m) => m.type === 'installSnapshot'
    net.act('n1', (n) => n.propose('y'))
    const stateOfN3 = () => leader.status().progress?.n3.state
    expect(stateOfN3()).toBe('snapshot')
    let retries = 0
    for (let round = 0; round < 20; round++) {
      const wasSnapshot = stateOfN3() === 'snapshot'
      tickToDue(leader)
      if (wasSnapshot && stateOfN3() === 'probe') retries++
      // Everything the leader sends is lost; a new InstallSnapshot goes out once n3 is probed again.
      while (leader.hasReady()) takeReady(leader)
    }
    expect(retries).toBeGreaterThan(0)
  })
})
