import {expect, test} from 'vitest'

import {checkLockHistory} from '../../../src/core/check/mutual-exclusion.js'
import {simulateLockService} from './lock-sim.js'

/** Override with LOCK_SERVICE_SIM_SEED=<n> to replay one run. */
const seeds = process.env.LOCK_SERVICE_SIM_SEED ? [Number(process.env.LOCK_SERVICE_SIM_SEED)] : Array.from({length: Number(process.env.LOCK_SERVICE_SIM_SEEDS ?? 16)}, (_, i) => 1 + i)
const DURATION_MS = 20_000

test(`the production lock service keeps mutual exclusion and fencing, and hands a freed lock to its waiter, through kills and power losses (${seeds.length} seeds x ${DURATION_MS / 1000} s simulated)`, async () => {
  const totals = {steps: 0, grants: 0, kills: 0, powerLosses: 0, pausesPastLease: 0}
  for (const seed of seeds) {
    const run = await simulateLockService({seed, durationMs: DURATION_MS, clients: 8, locks: 3})
    const replay = `seed=${seed} (replay: LOCK_SERVICE_SIM_SEED=${seed} npx vitest run test/sim/lock)`
    expect(run.violations, `server answers, ${replay}`).toEqual([])
    expect(checkLockHistory(run.history).violations, `client history, ${replay}`).toEqual([])
    for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += run.counts[key]
  }
  // Not vacuous: locks changed hands, clients paused past their leases, and the server crashed both ways.
  expect(totals.grants).toBeGreaterThan(100 * seeds.length)
  expect(Math.min(totals.kills, totals.powerLosses, totals.pausesPastLease)).toBeGreaterThan(seeds.length)
  process.stderr.write(`lock service simulation: ${JSON.stringify(totals)}\n`)
})
