import {describe, expect, it} from 'vitest'
import {SeededRng} from '../../../src/core/common/rng.js'
import {Cluster, electLeader} from './harness.js'

const ids = ['n1', 'n2', 'n3', 'n4', 'n5']
const steps = 5000
const replaySeed = process.env.PAXOS_SIM_SEED
const seeds = replaySeed === undefined ? Array.from({length: 300}, (_, i) => i + 1) : [Number(replaySeed)]

/**
 * One seeded run: clients write at any node (following one redirect) and
 * ask any node for linearizable reads (the harness checks every read point
 * against what was applied before the read) while the network loses,
 * duplicates and reorders messages, nodes are partitioned off, their clocks
 * stall, they compact their logs, and they crash (losing all but what their Readies and snapshots
 * persisted) and restart (from their snapshot). Then the network heals and
 * every node must catch up. Returns what went wrong.
 */
function simulate(seed: number): string[] {
  const rng = new SeededRng(seed)
  const cluster = new Cluster(ids, {}, {rng, lossRate: 0.1, duplicateRate: 0.05})
  // Its own stream, so compaction does not reshuffle the fault schedule's.
  const compactions = new SeededRng(seed + 1_000_000)
  const reads = new SeededRng(seed + 2_000_000)
  let readsAsked = 0
  const down = new Set<string>()
  // Nodes whose clock stands still (a paused process): a leader among them does not notice it lost its quorum.
  const stalled = new Set<string>()
  const proposed: string[] = []
  let nextValue = 0
  for (let step = 0; step < steps; step++) {
    const roll = rng.next()
    if (roll < 0.1) {
      for (const id of cluster.nodes.keys()) if (!stalled.has(id)) cluster.tick(id)
    } else if (roll < 0.2) {
      // A client asks any live node and follows one redirect: a stale leader it asked first takes the write.
      const [first] = [...cluster.nodes.keys()].slice(rng.int(cluster.nodes.size))
      const value = `c${nextValue++}`
      const result = cluster.propose(first, value)
      if (result.ok) proposed.push(value)
      else if (result.reason === 'notLeader' && result.leader !== null && cluster.nodes.has(result.leader) && cluster.propose(result.leader, value).ok) proposed.push(value)
    } else if (roll < 0.204) {
      cluster.isolate(ids[rng.int(ids.length)])
    } else if (roll < 0.206) {
      cluster.heal()
    } else if (roll < 0.22 && down.size < 2) {
      const victim = ids[rng.int(ids.length)]
      if (!down.has(victim)) {
        cluster.crash(victim)
        down.add(victim)
        // Its restart is a new process, with a running clock.
        stalled.delete(victim)
      }
    } else if (roll < 0.23 && down.size > 0) {
      const back = [...down][rng.int(down.size)]
      cluster.restart(back)
      down.delete(back)
    } else if (roll < 0.236) {
      // At most two, as at most two down: a stalled follower refuses every rival of the leader it last
      // heard, so with more no ballot could win for long and the run would have too little progress to judge.
      const victim = ids[rng.int(ids.length)]
      if (stalled.size < 2) stalled.add(victim)
    } else if (roll < 0.238) {
      stalled.clear()
    } else for (let i = 0; i < 3; i++) cluster.deliverOne()
    if (compactions.next() < 0.01) {
      // The application snapshots its state machine at some applied slot; a peer behind it then needs the snapshot.
      const [id] = [...cluster.nodes.keys()].slice(compactions.int(cluster.nodes.size))
      cluster.compact(id, compactions.int(cluster.appliedData(id).length + 1))
    }
    if (reads.next() < 0.1) {
      // Clients read at any node: a follower refuses, a stale leader must not confirm (the harness checks each read point).
      const [id] = [...cluster.nodes.keys()].slice(reads.int(cluster.nodes.size))
      cluster.read(id, `r${readsAsked++}`)
    }
    if (cluster.violations.length > 0) return [...cluster.violations, `(at step ${step})`]
  }
  // Acknowledged: a value some node applied (a leader answers its client once it applies).
  const acknowledged = new Set(cluster.chosenBySlot.values())
  cluster.faults = undefined
  cluster.heal()
  for (const id of down) cluster.restart(id)
  cluster.queue = []
  // A client of the healed cluster retries at whoever leads (a stale leader refuses or is refused) until its write applies.
  const last = `final${seed}`
  let leader = electLeader(cluster, 400)
  for (let attempt = 0; attempt < 5 && !cluster.appliedData(leader).includes(last); attempt++) {
    leader = electLeader(cluster, 400)
    cluster.propose(leader, last)
    cluster.settle(30)
  }
  const problems = [...cluster.violations]
  const reference = cluster.appliedData(leader)
  if (!reference.includes(last)) problems.push(`the healed cluster's leader ${leader} never applied ${last} in 5 attempts`)
  for (const id of ids) {
    const applied = cluster.appliedData(id)
    if (JSON.stringify(applied) !== JSON.stringify(reference)) problems.push(`${id} applied ${applied.length} values, ${leader} applied ${reference.length}, or in another order`)
  }
  for (const value of acknowledged) if (value !== '' && !reference.includes(value)) problems.push(`acknowledged ${value} was lost`)
  if (proposed.length === 0 || acknowledged.size < 10) problems.push(`too little progress to judge: ${acknowledged.size} values chosen of ${proposed.length} proposed`)
  if (cluster.readPoints.size === 0) problems.push(`no read confirmed of ${readsAsked} asked`)
  return problems
}

describe('Multi-Paxos simulation (loss, duplication, reordering, partitions, compaction, crash-restarts)', () => {
  it.each(seeds)('seed %i: at most one value per slot, one applied sequence (snapshots included), no acknowledged value lost, no stale read', (seed) => {
    const problems = simulate(seed)
    if (problems.length > 0) console.error(`replay: PAXOS_SIM_SEED=${seed} npx vitest run test/unit/paxos/sim.test.ts`)
    expect(problems.join('\n'), `replay with PAXOS_SIM_SEED=${seed}`).toBe('')
  })
})
