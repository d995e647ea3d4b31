import {kvSimSuite} from '../replica/kv-sim-suite.js'
import {paxosKvSim} from './paxos-kv-sim.js'

/**
 * Seeded deterministic simulation of whole Multi-Paxos KV clusters running
 * the production replica (openPaxosReplica: PaxosNode, PaxosLogStore on a
 * SimDisk, the KV machine and the replica machinery) under the Raft
 * simulation's clients, faults and read checks. Each seed decides the
 * network's loss/duplication/delay, the fault schedule, the workload, the
 * nodes' settings and the quorums; a failure names the seed and the command
 * to replay it.
 */
const replaySeed = process.env.PAXOS_KV_SIM_SEED === undefined ? undefined : Number(process.env.PAXOS_KV_SIM_SEED)
const seedCount = Number(process.env.PAXOS_KV_SIM_SEEDS ?? 10)

/** Seeds 3000.. run three replicas, 5000.. five. */
const nodesOf = (seed: number) => (seed >= 5_000 ? 5 : 3)

kvSimSuite({
  name: 'paxos',
  protocol: paxosKvSim,
  seedsFor: (nodes) => (replaySeed !== undefined ? (nodesOf(replaySeed) === nodes ? [replaySeed] : []) : Array.from({length: seedCount}, (_, i) => nodes * 1000 + i)),
  steps: Number(process.env.PAXOS_KV_SIM_STEPS ?? 20000),
  pauses: true,
  describeTitle: (nodes) => `paxos simulation, ${nodes} replicas`,
  testTitle: 'seed %i: one value per slot, one applied sequence, no acknowledged write lost, no stale read; a write commits everywhere after heal',
  replay: (seed) => `PAXOS_KV_SIM_SEED=${seed} npx vitest run test/sim/paxos`,
  checkReplay: replaySeed === undefined,
  extra: {label: 'on Flexible Paxos quorums', counts: (report) => report.settings.q1 !== undefined},
})
