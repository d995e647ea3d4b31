import {historyOrigin, OperationEvent, pairOperations} from './history-operations.js'

/** One second of a check, shaped as a bench timeline point so a report draws both alike. */
export interface CheckTimelinePoint {
  /** Seconds since the history's first event. */
  second: number
  /** Always false: a check has no warmup. */
  warmup: false
  /** Operations that ended ok in this second. */
  ops: number
  /** Operations that ended failed or unknown (`fail`, `info`) in this second. */
  errors: number
  /** Latency of the operations that completed (ok or fail) in this second; 0 when none did. */
  p50Ms: number
  p99Ms: number
  maxMs: number
}

/**
 * A check's per-second timeline from its history: each operation counted in
 * the second it ended. An unknown outcome (`info`) counts as an error but not
 * in the latencies: its end is when the client gave up, not an answer.
 */
export function historyTimeline(events: readonly OperationEvent[]): CheckTimelinePoint[] {
  const origin = historyOrigin(events)
  const seconds: Array<{ops: number; errors: number; latencies: number[]}> = []
  for (const {invoke, completion} of pairOperations(events)) {
    if (!completion) continue
    const i = Math.max(0, Math.floor((completion.time - origin) / 1000))
    while (seconds.length <= i) seconds.push({ops: 0, errors: 0, latencies: []})
    const s = seconds[i]
    if (completion.type === 'ok') s.ops++
    else s.errors++
    if (completion.type !== 'info') s.latencies.push(completion.time - invoke.time)
  }
  return seconds.map((s, second) => {
    const sorted = s.latencies.sort((a, b) => a - b)
    return {second, warmup: false, ops: s.ops, errors: s.errors, p50Ms: nearestRank(sorted, 0.5), p99Ms: nearestRank(sorted, 0.99), maxMs: nearestRank(sorted, 1)}
  })
}

/** The nearest-rank `q` quantile of ascending `sorted`, to the microsecond; 0 for none. */
function nearestRank(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0
  return Math.round(sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] * 1000) / 1000
}
