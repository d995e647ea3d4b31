import {expect} from 'vitest'

import type {LockCheckReport} from '../../../src/check/lock-check.js'
import type {CliResult} from '../cli/run-cli.js'

/**
 * The report of a `check lock --json` run with client pauses on a target that
 * gives fencing tokens, once it is shown safe: exit 0, no violation, `pauses`
 * client pauses or more, and at least one stale write fenced off.
 */
export function fencedRun(run: CliResult, pauses: number): LockCheckReport {
  expect(run.code, run.stderr).toBe(0)
  const report = JSON.parse(run.stdout) as LockCheckReport
  expect(report.result.violations).toEqual([])
  expect(report.faults.filter((f) => f.action === 'client-pause').length).toBeGreaterThanOrEqual(pauses)
  expect(report.resource.fencing).toBe(true)
  expect(report.resource.staleRejected, 'stale writes fenced off').toBeGreaterThanOrEqual(1)
  return report
}
