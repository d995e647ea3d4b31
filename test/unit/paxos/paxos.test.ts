import {describe, expect, it} from 'vitest'
import {SeededRng} from '../../../src/core/common/rng.js'
import {UsageError} from '../../../src/core/common/usage-error.js'
import {PaxosNode} from '../../../src/core/paxos/index.js'
import {Cluster, electAmong, electLeader} from './harness.js'

const three = ['n1', 'n2', 'n3']
const five = ['n1', 'n2', 'n3', 'n4', 'n5']

describe('Multi-Paxos core', () => {
  it('elects a leader that chooses values in slot order, applied in that order everywhere', () => {
    const cluster = new Cluster(three)
    const leader = electLeader(cluster)
    for (const data of ['a', 'b', 'c']) expect(cluster.propose(leader, data)).toMatchObject({ok: true})
    cluster.settle(3)
    for (const id of three) expect(cluster.appliedData(id)).toEqual(['a', 'b', 'c'])
    expect(cluster.violations).toEqual([])
  })

  it('a stable leader skips phase 1: proposals send accepts only', () => {
    const cluster = new Cluster(three)
    const leader = electLeader(cluster)
    cluster.deliverAll()
    cluster.propose(leader, 'a')
    expect(cluster.queue.map((m) => m.type)).toEqual(['accept', 'accept'])
  })

  it('an acceptor persists its promise in the Ready that carries the promise message', () => {
    const node = new PaxosNode({id: 'n2', peers: three, rng: new SeededRng(1)})
    node.step({type: 'prepare', from: 'n1', to: 'n2', ballot: {round: 4, node: 'n1'}, fromSlot: 1})
    const ready = node.ready()
    expect(ready.hardState?.promised).toEqual({round: 4, node: 'n1'})
    expect(ready.mustSync).toBe(true)
    expect(ready.messages).toMatchObject([{type: 'promise', ballot: {round: 4, node: 'n1'}}])
  })

  it('an acceptor never accepts below its promise: it answers a nack and stores nothing', () => {
    const node = new PaxosNode({id: 'n2', peers: three, rng: new SeededRng(1)})
    node.step({type: 'prepare', from: 'n3', to: 'n2', ballot: {round: 5, node: 'n3'}, fromSlot: 1})
    node.advance(node.ready())
    node.step({type: 'accept', from: 'n1', to: 'n2', ballot: {round: 3, node: 'n1'}, values: [{slot: 1, data: 'x'}], chosen: 0, readSeq: 0})
    node.step({type: 'prepare', from: 'n1', to: 'n2', ballot: {round: 4, node: 'n1'}, fromSlot: 1})
    const ready = node.ready()
    expect(ready.accepted).toEqual([])
    expect(ready.messages.map((m) => m.type)).toEqual(['nack', 'nack'])
  })

  it('a value accepted by a phase-2 quorum in one ballot is chosen again by the next leader (P2c)', () => {
    const cluster = new Cluster(five)
    const first = electLeader(cluster)
    cluster.settle(1)
    const [holder, , ...others] = five.filter((id) => id !== first)
    // 'x' reaches exactly a phase-2 quorum (the leader and two more), and nobody learns it was chosen.
    cluster.drop = (m) => m.type === 'accepted' || (m.type === 'accept' && others.includes(m.to))
    cluster.propose(first, 'x')
    cluster.deliverAll()
    expect(cluster.disks.get(holder)!.accepted.get(1)?.data).toBe('x')
    cluster.crash(first)
    cluster.drop = () => false
    // The next leader is one that never saw 'x': only a promise can tell it.
    electAmong(cluster, others)
    expect(cluster.violations).toEqual([])
    cluster.settle(3)
    for (const id of five.filter((id) => id !== first)) expect(cluster.appliedData(id)).toEqual(['x'])
    expect(cluster.violations).toEqual([])
  })

  it('a new leader fills the gaps it finds in phase 1 with no-ops', () => {
    const cluster = new Cluster(three)
    const first = electLeader(cluster)
    cluster.settle(1)
    // Slot 2's accepts are all lost; slots 1 and 3 reach one other acceptor, and no one learns they were chosen.
    cluster.drop = (m) => m.type === 'accepted' || (m.type === 'accept' && m.values.some((v) => v.slot === 2))
    for (const data of ['a', 'b', 'c']) cluster.propose(first, data)
    cluster.deliverAll()
    cluster.crash(first)
    cluster.drop = () => false
    const [holder, next] = three.filter((id) => id !== first)
    expect(cluster.disks.get(holder)!.accepted.get(3)?.data).toBe('c')
    expect(electAmong(cluster, [next])).toBe(next)
    cluster.settle(3)
    expect(cluster.appliedData(next)).toEqual(['a', '', 'c'])
    expect(cluster.violations).toEqual([])
  })

  it('a leader that sees a higher ballot steps down and runs phase 1 again before it proposes', () => {
    const cluster = new Cluster(three)
    const first = electLeader(cluster)
    cluster.settle(1)
    const [second, third] = three.filter((id) => id !== first)
    // The old leader is cut off while a rival takes over and chooses 'y' in slot 1.
    // (The old leader is not ticked, so it does not notice it lost its quorum.)
    cluster.isolate(first)
    electAmong(cluster, [second], [second, third])
    cluster.propose(second, 'y')
    cluster.deliverAll()
    expect(cluster.node(third).status().chosen).toBe(1)
    // The old leader, healed, still proposes 'x' in its stale ballot and is refused.
    cluster.crash(second)
    cluster.heal()
    cluster.propose(first, 'x')
    cluster.deliverAll()
    const afterRefusal = {role: cluster.node(first).status().role, propose: cluster.propose(first, 'z')}
    cluster.settle(40)
    const leader = cluster.leader()!
    cluster.propose(leader, 'w')
    cluster.settle(3)
    expect(cluster.violations).toEqual([])
    expect(cluster.appliedData(third).slice(0, 1)).toEqual(['y'])
    expect(cluster.appliedData(third)).toContain('w')
    expect(afterRefusal).toMatchObject({role: 'follower', propose: {ok: false, reason: 'notLeader'}})
  })

  it('a lagging acceptor is sent the chosen values it missed', () => {
    const cluster = new Cluster(three)
    const leader = electLeader(cluster)
    cluster.settle(1)
    const lagging = three.find((id) => id !== leader)!
    cluster.crash(lagging)
    for (let i = 0; i < 100; i++) cluster.propose(leader, `v${i}`)
    cluster.settle(2)
    cluster.restart(lagging)
    cluster.settle(5)
    expect(cluster.appliedData(lagging)).toEqual(cluster.appliedData(leader))
    expect(cluster.appliedData(lagging)).toHaveLength(100)
  })

  it('compaction keeps the chosen sequence: a node restarted from its snapshot holds the same values, then applies later ones', () => {
    const cluster = new Cluster(three)
    const leader = electLeader(cluster)
    const values = Array.from({length: 10}, (_, i) => `v${i}`)
    for (const data of values) cluster.propose(leader, data)
    cluster.settle(2)
    const follower = three.find((id) => id !== leader)!
    expect(cluster.compact(follower, 6)).toMatchObject({slot: 6})
    expect([...cluster.disks.get(follower)!.accepted.keys()].filter((slot) => slot <= 6)).toEqual([])
    cluster.crash(follower)
    cluster.restart(follower)
    // It restores the snapshot and re-applies only the slots after it.
    expect(cluster.node(follower).status()).toMatchObject({chosen: 10, applied: 6})
    expect(cluster.appliedData(follower)).toEqual(values.slice(0, 6))
    cluster.propose(leader, 'after')
    cluster.settle(2)
    expect(cluster.appliedData(follower)).toEqual([...values, 'after'])
    expect(cluster.violations).toEqual([])
  })

  it('an acceptor down through a compaction is sent the snapshot, restores it and applies the same sequence after it', () => {
    const cluster = new Cluster(three)
    const leader = electLeader(cluster)
    cluster.settle(1)
    const lagging = three.find((id) => id !== leader)!
    cluster.crash(lagging)
    for (let i = 0; i < 20; i++) cluster.propose(leader, `v${i}`)
    cluster.settle(2)
    for (const id of cluster.nodes.keys()) cluster.compact(id)
    const sent: string[] = []
    cluster.drop = (m) => (sent.push(m.type), false)
    cluster.restart(lagging)
    cluster.settle(3)
    cluster.propose(leader, 'after')
    cluster.settle(2)
    expect(sent).toContain('snapshot')
    expect(cluster.disks.get(lagging)!.snapshot?.slot).toBe(20)
    expect(cluster.appliedData(lagging)).toEqual(cluster.appliedData(leader))
    expect(cluster.appliedData(lagging)).toHaveLength(21)
    expect(cluster.violations).toEqual([])
  })

  it('a candidate whose phase 1 starts inside a peer\'s compacted prefix is sent the snapshot and campaigns again after it', () => {
    const cluster = new Cluster(three)
    const first = electLeader(cluster)
    cluster.settle(1)
    const [lagging, other] = three.filter((id) => id !== first)
    cluster.crash(lagging)
    for (let i = 0; i < 5; i++) cluster.propose(first, `v${i}`)
    cluster.settle(2)
    cluster.compact(other)
    // The only live peer compacted the slots the lagging node would ask a promise for.
    cluster.crash(first)
    cluster.restart(lagging)
    // It stops waiting for the dead leader (a lost campaign of its own), so it answers the lagging node's prepare.
    cluster.drop = (m) => m.type === 'prepare'
    cluster.node(other).campaign()
    cluster.deliverAll()
    cluster.drop = () => false
    expect(electAmong(cluster, [lagging], [lagging])).toBe(lagging)
    expect(cluster.disks.get(lagging)!.snapshot?.slot).toBe(5)
    cluster.propose(lagging, 'next')
    cluster.settle(2)
    expect(cluster.appliedData(lagging)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'next'])
    expect(cluster.appliedData(other)).toEqual(cluster.appliedData(lagging))
    expect(cluster.violations).toEqual([])
  })

  it('Flexible Paxos: quorums that do not intersect (q1 + q2 <= n) are refused', () => {
    const rng = new SeededRng(1)
    expect(() => new PaxosNode({id: 'n1', peers: five, rng, q1: 2, q2: 3})).toThrow(UsageError)
    expect(() => new PaxosNode({id: 'n1', peers: five, rng, q1: 2, q2: 3})).toThrow(/do not intersect: q1 \+ q2 = 5 must exceed n = 5/)
    expect(() => new PaxosNode({id: 'n1', peers: five, rng, q1: 6, q2: 1})).toThrow(UsageError)
  })

  it('Flexible Paxos: with q1 = 4 and q2 = 2 of 5, values are chosen by the leader and one more acceptor', () => {
    const cluster = new Cluster(five, {q1: 4, q2: 2})
    const leader = electLeader(cluster)
    cluster.settle(1)
    const [partner, ...rest] = five.filter((id) => id !== leader)
    for (const id of rest) cluster.isolate(id)
    cluster.propose(leader, 'a')
    cluster.settle(1)
    expect(cluster.appliedData(partner)).toEqual(['a'])
  })
})
