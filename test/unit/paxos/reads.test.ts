import {describe, expect, it} from 'vitest'
import {SeededRng} from '../../../src/core/common/rng.js'
import {PaxosNode, type NodeId} from '../../../src/core/paxos/index.js'
import {Cluster, electAmong, electLeader} from './harness.js'

const three = ['n1', 'n2', 'n3']
const five = ['n1', 'n2', 'n3', 'n4', 'n5']

/**
 * Elects `candidate` (dropping every other node's prepares) and stops the
 * moment it leads, before any accept of its phase 2 is answered.
 */
function electAndStop(cluster: Cluster, candidate: NodeId): void {
  cluster.drop = (m) => m.type === 'prepare' && m.from !== candidate
  for (let round = 0; round < 100; round++) {
    cluster.tick()
    while (cluster.node(candidate).status().role !== 'leader' && cluster.deliverOne());
    if (cluster.node(candidate).status().role === 'leader') {
      cluster.drop = () => false
      return
    }
  }
  throw new Error(`${candidate} was not elected`)
}

// Raft thesis §6.4 (ReadIndex), for Multi-Paxos: the read point is every slot the leader proposed, confirmed by a phase-2 quorum round.
describe('Multi-Paxos linearizable reads', () => {
  it('a read is confirmed by one quorum round, and its read point covers every chosen slot', () => {
    const cluster = new Cluster(three)
    const leader = electLeader(cluster)
    for (const data of ['a', 'b', 'c']) cluster.propose(leader, data)
    cluster.settle(2)
    expect(cluster.read(leader, 'r1')).toEqual({ok: true})
    // The round leaves at once, as bare accepts, and nothing is confirmed before their answers.
    expect(cluster.queue).toMatchObject([
      {type: 'accept', values: [], readSeq: 1},
      {type: 'accept', values: [], readSeq: 1},
    ])
    expect(cluster.readPoints.has('r1')).toBe(false)
    cluster.deliverAll()
    expect(cluster.readPoints.get('r1')).toBe(3)
    expect(cluster.node(leader).status().chosen).toBe(3)
    expect(cluster.violations).toEqual([])
  })

  it('reads asked before a round leaves share it; a read asked after it left waits for the next round', () => {
    const cluster = new Cluster(three)
    const leader = electLeader(cluster)
    cluster.settle(1)
    cluster.readMany(leader, ['r1', 'r2'])
    expect(cluster.queue.map((m) => m.type)).toEqual(['accept', 'accept'])
    // The acceptors answer round 1; then r3 is asked, before those answers arrive.
    cluster.deliverOne()
    cluster.deliverOne()
    expect(cluster.queue).toMatchObject([
      {type: 'accepted', readSeq: 1},
      {type: 'accepted', readSeq: 1},
    ])
    cluster.read(leader, 'r3')
    cluster.deliverOne()
    expect([...cluster.readPoints.keys()]).toEqual(['r1', 'r2'])
    cluster.deliverAll()
    expect([...cluster.readPoints.keys()]).toEqual(['r1', 'r2', 'r3'])
    expect(cluster.violations).toEqual([])
  })

  it('a leader cut off from a quorum never confirms a read, before or after it steps down', () => {
    const cluster = new Cluster(five)
    const leader = electLeader(cluster)
    cluster.settle(1)
    cluster.isolate(leader)
    cluster.read(leader, 'r1')
    for (let i = 0; i < 5; i++) {
      cluster.tick(leader)
      cluster.deliverAll()
    }
    expect(cluster.node(leader).status().role).toBe('leader')
    expect(cluster.readPoints.has('r1')).toBe(false)
    cluster.settle(30)
    cluster.heal()
    cluster.settle(30)
    expect(cluster.node(leader).status().role).not.toBe('leader')
    expect(cluster.readPoints.has('r1')).toBe(false)
    expect(cluster.violations).toEqual([])
  })

  it('a deposed leader does not confirm a read asked after the new leader chose a write, though one acceptor still answers it', () => {
    const cluster = new Cluster(five)
    const old = electLeader(cluster)
    cluster.settle(1)
    const [holdout, ...majority] = five.filter((id) => id !== old)
    // The old leader still reaches `holdout` only, which never hears of the new ballot.
    cluster.isolate(old, ...majority)
    cluster.isolate(holdout, ...majority)
    const next = electAmong(cluster, majority, majority)
    cluster.propose(next, 'y')
    cluster.deliverAll()
    expect(cluster.appliedData(next)).toEqual(['y'])
    expect(cluster.node(old).status().role).toBe('leader')
    cluster.read(old, 'r1')
    cluster.deliverAll()
    expect(cluster.readPoints.has('r1')).toBe(false)
    // Healed, its round reaches the new ballot's acceptors, who refuse it: it steps down and the read is dropped.
    cluster.heal()
    cluster.settle(5)
    expect(cluster.node(old).status().role).not.toBe('leader')
    expect(cluster.readPoints.has('r1')).toBe(false)
    expect(cluster.violations).toEqual([])
  })

  it('a new leader\'s read point covers a value its phase 1 re-proposed, chosen and applied before it knew', () => {
    const cluster = new Cluster(three)
    const first = electLeader(cluster)
    cluster.settle(1)
    const [other, next] = three.filter((id) => id !== first)
    // 'x' is chosen by the first leader and `next`; only the first leader learns it (and applies it), then crashes.
    cluster.drop = (m) => m.from === first && (m.to === other || m.type === 'catchUp')
    cluster.propose(first, 'x')
    cluster.deliverAll()
    expect(cluster.appliedData(first)).toEqual(['x'])
    expect(cluster.node(next).status().chosen).toBe(0)
    cluster.crash(first)
    electAndStop(cluster, next)
    expect(cluster.node(next).status()).toMatchObject({chosen: 0, nextSlot: 2})
    cluster.read(next, 'r1')
    cluster.deliverAll()
    expect(cluster.readPoints.get('r1')).toBe(1)
    expect(cluster.violations).toEqual([])
  })

  it('a leader drops reads beyond maxPendingReads awaiting their round', () => {
    const cluster = new Cluster(three, {maxPendingReads: 2})
    const leader = electLeader(cluster)
    cluster.settle(1)
    expect(cluster.readMany(leader, ['r1', 'r2', 'r3'])).toEqual([{ok: true}, {ok: true}, {ok: true}])
    cluster.deliverAll()
    expect([...cluster.readPoints.keys()]).toEqual(['r1', 'r2'])
  })

  it('a 1-node cluster confirms a read at once', () => {
    const cluster = new Cluster(['n1'])
    electLeader(cluster)
    cluster.propose('n1', 'a')
    cluster.read('n1', 'r1')
    expect(cluster.readPoints.get('r1')).toBe(1)
    expect(cluster.queue).toEqual([])
  })

  it('a follower refuses a read with notLeader, naming its leader; a node that follows no one names none', () => {
    const cluster = new Cluster(three)
    const leader = electLeader(cluster)
    cluster.settle(1)
    const follower = three.find((id) => id !== leader)!
    expect(cluster.read(follower, 'r1')).toEqual({ok: false, reason: 'notLeader', leader})
    const fresh = new PaxosNode({id: 'n1', peers: three, rng: new SeededRng(1)})
    expect(fresh.readIndex('r2')).toEqual({ok: false, reason: 'notLeader', leader: null})
    expect(fresh.hasReady()).toBe(false)
  })
})

describe('Multi-Paxos ticksUntilDue', () => {
  /** Ticks `node` up to its due tick, checking each tick before it changes nothing; returns how many ticks that was. */
  function tickToDue(node: PaxosNode): number {
    const due = node.ticksUntilDue()
    expect(due).toBeGreaterThanOrEqual(1)
    const before = node.status()
    for (let i = 1; i < due; i++) {
      node.tick()
      expect(node.hasReady()).toBe(false)
      expect(node.status()).toEqual(before)
    }
    node.tick()
    return due
  }

  it('a follower sleeps through its election timeout and campaigns on the due tick', () => {
    const node = new PaxosNode({id: 'n1', peers: three, rng: new SeededRng(7), electionTicks: 10})
    const due = tickToDue(node)
    expect(due).toBeGreaterThanOrEqual(10)
    expect(due).toBeLessThan(20)
    expect(node.status().role).toBe('candidate')
    expect(node.ready().messages.map((m) => m.type)).toEqual(['prepare', 'prepare'])
  })

  it('a leader wakes at each heartbeat and at each step-down check, and steps down at the first check after it lost its quorum', () => {
    const cluster = new Cluster(three, {heartbeatTicks: 3, electionTicks: 10})
    const leader = electLeader(cluster)
    const node = cluster.node(leader)
    cluster.deliverAll()
    cluster.isolate(leader)
    const wakes: number[] = []
    let elapsed = 0
    while (node.status().role === 'leader' && elapsed < 100) {
      elapsed += tickToDue(node)
      wakes.push(elapsed)
      const ready = node.ready()
      node.advance(ready)
      if (elapsed % 3 === 0) expect(ready.messages.map((m) => m.type)).toEqual(['accept', 'accept'])
    }
    // It heard its followers before the first check (tick 10), and no one since.
    expect(wakes).toEqual([3, 6, 9, 10, 12, 15, 18, 20])
    expect(node.status().role).toBe('follower')
  })
})
