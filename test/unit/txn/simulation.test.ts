import {describe, expect, it} from 'vitest'
import {failpointNames, type FailpointName} from '../../../src/core/txn/failpoints.js'
import {defaultSimulation, runSimulation, type SimulationReport} from './simulation.js'

/** Override with TXN_SIM_SEED=<n> to replay one failure. */
const seeds = process.env.TXN_SIM_SEED ? [Number(process.env.TXN_SIM_SEED)] : Array.from({length: 24}, (_, i) => 1_000 + i)

function simulate(seed: number): SimulationReport {
  try {
    return runSimulation({...defaultSimulation, seed})
  } catch (error) {
    throw new Error(`txn simulation seed=${seed} (replay: TXN_SIM_SEED=${seed}): ${(error as Error).stack}`)
  }
}

describe('2PC simulation: loss, duplication, reordering, crashes at every failpoint', () => {
  const fired = Object.fromEntries(failpointNames.map((name) => [name, 0])) as Record<FailpointName, number>

  it.each(seeds)('seed %i: all or nothing, client commits everywhere, nobody left in doubt, money conserved', (seed) => {
    const report = simulate(seed)
    expect(report.violations, `seed=${seed} (replay: TXN_SIM_SEED=${seed})`).toEqual([])
    // Not vacuous: real work committed and aborted under the faults.
    expect(report.clientCommitted, `seed=${seed}`).toBeGreaterThan(report.begun / 10)
    expect(report.clientAborted, `seed=${seed}`).toBeGreaterThan(0)
    for (const name of failpointNames) fired[name] += report.failpointsFired[name]
  })

  it.runIf(seeds.length > 1)('the seeds together crashed nodes at every named failpoint', () => {
    for (const name of failpointNames) expect(fired[name], name).toBeGreaterThan(0)
  })
})
