/** `dsys report --compare … --fail-if-worse PCT`: the CI gate, one line per metric a later run is worse on than the first by more than PCT. */
import {UsageError} from '../core/common/usage-error.js'
import type {ComparedMetric, Comparison} from './compare.js'
import {worseByPct} from './compare-ratio.js'
import {formatValue} from './compare-format.js'
import {requireStatName, statName} from './compare-metrics.js'

export interface GateOptions {
  /** A later run may be this many percent worse than the first and pass. */
  failIfWorsePct: number
  /** Latency statistics gated besides throughput: `p99`, `p99.9`, `read.p99`. */
  percentiles: string[]
}

/** The metrics to gate: throughput always, then each named percentile, which the comparison must have. */
function gatedMetrics(c: Comparison, percentiles: string[]): ComparedMetric[] {
  const names = new Set(['throughput', ...percentiles.map((p) => statName(requireStatName(p, '--fail-if-worse')))])
  return [...names].map((name) => {
    const m = c.metrics.find((x) => x.name === name)
    if (m) return m
    const latency = c.metrics.filter((x) => x.unit === 'ms').map((x) => x.name)
    throw new UsageError(`--fail-if-worse: these results have no ${name}; choose from ${latency.join(', ')}`)
  })
}

export function regressions(c: Comparison, opts: GateOptions): string[] {
  const pct = opts.failIfWorsePct
  if (!(Number.isFinite(pct) && pct >= 0)) throw new UsageError(`--fail-if-worse: ${pct} is not a percentage of 0 or more`)
  const metrics = gatedMetrics(c, opts.percentiles)
  const first = c.runs[0]
  return c.runs.slice(1).flatMap((run, k) =>
    metrics
      .filter((m) => worseByPct(m, k + 1) > pct)
      .map((m) => {
        const worse = worseByPct(m, k + 1)
        const by = Number.isFinite(worse) ? `${worse.toFixed(1)}% worse` : 'worse'
        return `${run.label}: ${m.name} ${formatValue(m, m.values[k + 1])} against ${formatValue(m, m.values[0])} in ${first.label}, ${by} (limit ${pct}%)`
      }),
  )
}
