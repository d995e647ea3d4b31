import {describe, expect, it} from 'vitest'
import {failpointNames, type FailpointName} from '../../../src/core/txn/failpoints.js'
import {defaultSimulation, runSimulation, type SimulationReport} from './simulation.js'

/** Override with TXN_SIM_SEED=<n> to replay one failure. */
const seeds = process.env.TXN_SIM_SEED ? [Number(process.env.TXN_SIM_SEED)] : Array.from({length: 24}, (_, i) => 1_000 + i)

const reports = new Map<number, SimulationReport>()

/** A seed's run, once: the coverage test reuses the runs of the tests before it, and makes its own when run alone (-t). */
function simulate(seed: number): SimulationReport {
  let report = reports.get(seed)
  if (report) return report
  try {
    report = runSimulation({...defaultSimulation, seed})
  } catch (error) {
    throw new Error(`txn simulation seed=${seed} (replay: TXN_SIM_SEED=${seed}): ${(error as Error).stack}`)
  }
  reports.set(seed, report)
  return report
}

describe('2PC simulation: loss, duplication, reordering, crashes at every failpoint', () => {
  it.each(seeds)('seed %i: all or nothing, client commits everywhere, nobody left in doubt, money conserved, every committed audit sees the total', (seed) => {
    const report = simulate(seed)
    expect(report.violations, `seed=${seed} (replay: TXN_SIM_SEED=${seed})`).toEqual([])
    // Not vacuous: real work committed and aborted under the faults.
    expect(report.clientCommitted, `seed=${seed}`).toBeGreaterThan(report.begun / 10)
    expect(report.clientAborted, `seed=${seed}`).toBeGreaterThan(0)
  })

  it.runIf(seeds.length > 1)('the seeds together crashed nodes at every named failpoint', () => {
    const fired = (name: FailpointName): number => seeds.reduce((n, seed) => n + simulate(seed).failpointsFired[name], 0)
    for (const name of failpointNames) expect(fired(name), name).toBeGreaterThan(0)
  })

  it.runIf(seeds.length > 1)('the seeds together committed audits (each checked against the total)', () => {
    expect(seeds.reduce((n, seed) => n + simulate(seed).auditsCommitted, 0)).toBeGreaterThan(seeds.length)
  })

  it.runIf(seeds.length > 1)('the seeds together restarted nodes from checkpoints that still held a commit to re-drive or a transaction in doubt', () => {
    const restarts = seeds.map((seed) => simulate(seed).restartsFromCheckpoint)
    expect(restarts.reduce((n, r) => n + r.withObligations, 0)).toBeGreaterThan(0)
  })
})
