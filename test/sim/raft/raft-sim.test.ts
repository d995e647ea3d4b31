import {kvSimSuite} from '../replica/kv-sim-suite.js'
import {raftKvSim} from './raft-kv-sim.js'

/**
 * Seeded deterministic simulation of whole Raft KV clusters running the
 * production Raft replica. Each seed decides the network's loss/duplication/
 * delay, the fault schedule, the workload and the nodes' settings; a failure
 * names the seed and the command to replay it.
 */
const replaySeed = process.env.SEED === undefined ? undefined : Number(process.env.SEED)
const seedCount = Number(process.env.SIM_SEEDS ?? 40)

kvSimSuite({
  name: 'raft',
  protocol: raftKvSim,
  seedsFor: (nodes) => (replaySeed !== undefined ? [replaySeed] : Array.from({length: seedCount}, (_, i) => nodes * 1000 + i)),
  steps: Number(process.env.SIM_STEPS ?? 20000),
  pauses: false,
  describeTitle: (nodes) => `raft simulation, ${nodes} nodes`,
  testTitle: 'seed %i keeps safety and recovers liveness after heal',
  replay: (seed, nodes) => `SEED=${seed} npx vitest run test/sim/raft -t "${nodes} nodes"`,
  checkReplay: true,
})
