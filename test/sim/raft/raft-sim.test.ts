import {describe, expect, it} from 'vitest'
import {SimCluster} from './sim-cluster.js'

/**
 * Seeded deterministic simulation of whole Raft clusters. Each seed decides
 * the network's loss/duplication/delay, the fault schedule, the workload and
 * the nodes' settings; a failure names the seed and the command to replay it.
 */
const replaySeed = process.env.SEED === undefined ? undefined : Number(process.env.SEED)
const seedCount = Number(process.env.SIM_SEEDS ?? 50)
const steps = Number(process.env.SIM_STEPS ?? 20000)

function seedsFor(nodes: number): number[] {
  if (replaySeed !== undefined) return [replaySeed]
  return Array.from({length: seedCount}, (_, i) => nodes * 1000 + i)
}

for (const nodes of [3, 5]) {
  describe(`raft simulation, ${nodes} nodes`, () => {
    it.each(seedsFor(nodes))(`seed %i keeps safety and recovers liveness after heal`, (seed) => {
      try {
        const report = new SimCluster({seed, nodes, steps}).run()
        expect(report.applied).toBeGreaterThan(0)
      } catch (error) {
        const replay = `SEED=${seed} npx vitest run test/sim/raft -t "${nodes} nodes"`
        throw new Error(`seed ${seed} (${nodes} nodes) failed: ${(error as Error).message}\nreplay: ${replay}`, {
          cause: error,
        })
      }
    })
  })
}
