import {performance} from 'node:perf_hooks'

/**
 * Wall-clock milliseconds with sub-millisecond resolution. Wall clock because
 * the cores store times in log records (in-doubt durations must survive a
 * restart); fractional because a phase often takes less than a millisecond.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now()
}
