import {describe, expect, it} from 'vitest'
import {failpointNames, type FailpointName} from '../../../src/core/txn/failpoints.js'
import {oncePerSeed} from '../../support/once-per-seed.js'
import {defaultSimulation, runSimulation} from './simulation.js'

/** Override with TXN_SIM_SEED=<n> to replay one failure. */
const seeds = process.env.TXN_SIM_SEED ? [Number(process.env.TXN_SIM_SEED)] : Array.from({length: 24}, (_, i) => 1_000 + i)

/** A seed's run, once: the coverage tests reuse the runs of the tests before them, and make their own when run alone (-t). */
const simulate = oncePerSeed(
  (seed) => `TXN_SIM_SEED=${seed} npx vitest run test/unit/txn/simulation.test.ts`,
  async (seed) => runSimulation({...defaultSimulation, seed}),
)

describe('2PC simulation: loss, duplication, reordering, crashes at every failpoint', () => {
  it.each(seeds)('seed %i: all or nothing, client commits everywhere, nobody left in doubt, money conserved, every committed audit sees the total', async (seed) => {
    const report = await simulate(seed)
    expect(report.violations, `seed=${seed} (replay: TXN_SIM_SEED=${seed})`).toEqual([])
    // Not vacuous: real work committed and aborted under the faults.
    expect(report.clientCommitted, `seed=${seed}`).toBeGreaterThan(report.begun / 10)
    expect(report.clientAborted, `seed=${seed}`).toBeGreaterThan(0)
  })

  it.runIf(seeds.length > 1)('the seeds together crashed nodes at every named failpoint', async () => {
    const reports = await Promise.all(seeds.map(simulate))
    const fired = (name: FailpointName): number => reports.reduce((n, r) => n + r.failpointsFired[name], 0)
    for (const name of failpointNames) expect(fired(name), name).toBeGreaterThan(0)
  })

  it.runIf(seeds.length > 1)('the seeds together committed audits (each checked against the total)', async () => {
    const reports = await Promise.all(seeds.map(simulate))
    expect(reports.reduce((n, r) => n + r.auditsCommitted, 0)).toBeGreaterThan(seeds.length)
  })

  it.runIf(seeds.length > 1)('the seeds together restarted nodes from checkpoints that still held a commit to re-drive or a transaction in doubt', async () => {
    const restarts = (await Promise.all(seeds.map(simulate))).map((r) => r.restartsFromCheckpoint)
    expect(restarts.reduce((n, r) => n + r.withObligations, 0)).toBeGreaterThan(0)
  })
})
