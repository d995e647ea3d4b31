import {afterAll, describe, expect, it} from 'vitest'
import {SimCluster} from './sim-cluster.js'

/**
 * Seeded deterministic simulation of whole Raft KV clusters running the
 * production RaftReplica. Each seed decides the network's loss/duplication/
 * delay, the fault schedule, the workload and the nodes' settings; a failure
 * names the seed and the command to replay it.
 */
const replaySeed = process.env.SEED === undefined ? undefined : Number(process.env.SEED)
const seedCount = Number(process.env.SIM_SEEDS ?? 40)
const steps = Number(process.env.SIM_STEPS ?? 20000)

function seedsFor(nodes: number): number[] {
  if (replaySeed !== undefined) return [replaySeed]
  return Array.from({length: seedCount}, (_, i) => nodes * 1000 + i)
}

const ran = {seeds: 0, steps: 0, simulatedMs: 0, acknowledgedWrites: 0, completedReads: 0, crashes: 0}

afterAll(() => {
  if (ran.seeds === 0) return
  console.log(
    `raft simulation: ${ran.seeds} seeds × ${steps} steps (${ran.steps} steps with the liveness phase), ` +
      `${(ran.simulatedMs / 1000).toFixed(0)} s simulated, ${ran.acknowledgedWrites} acknowledged writes, ${ran.completedReads} linearizable reads, ${ran.crashes} crashes`,
  )
})

for (const nodes of [3, 5]) {
  describe(`raft simulation, ${nodes} nodes`, () => {
    it.each(seedsFor(nodes))(`seed %i keeps safety and recovers liveness after heal`, async (seed) => {
      try {
        const report = await new SimCluster({seed, nodes, steps}).run()
        ran.seeds++
        ran.steps += report.steps
        ran.simulatedMs += report.simulatedMs
        ran.acknowledgedWrites += report.acknowledgedWrites
        ran.completedReads += report.completedReads
        ran.crashes += report.crashes
        expect(report.applied).toBeGreaterThan(0)
      } catch (error) {
        const replay = `SEED=${seed} npx vitest run test/sim/raft -t "${nodes} nodes"`
        throw new Error(`seed ${seed} (${nodes} nodes) failed: ${(error as Error).message}\nreplay: ${replay}`, {cause: error})
      }
    })
  })
}

describe('raft simulation replay', () => {
  it('runs a seed the same way twice, so a printed seed replays the failure it names', async () => {
    const first = await new SimCluster({seed: 42, nodes: 3, steps: 5000}).run()
    const second = await new SimCluster({seed: 42, nodes: 3, steps: 5000}).run()
    expect(second).toEqual(first)
    expect(first.acknowledgedWrites).toBeGreaterThan(0)
  })
})
