import {parseDurationMs} from '../core/common/duration.js'
import type {LoadReport} from './report.js'

/**
 * Pass/fail conditions on a report, as k6 has them: `p99<5ms`,
 * `errors==0`, `throughput>=1000`, `read.p99<10ms`, `error_rate<0.01`.
 */
export interface Threshold {
  expression: string
  metric: string
  op: '<' | '<=' | '>' | '>=' | '=='
  limit: number
}

export interface ThresholdResult {
  expression: string
  metric: string
  actual: number
  passed: boolean
}

const PERCENTILES = ['p50', 'p90', 'p99', 'p999', 'max', 'mean'] as const
const PLAIN = ['errors', 'error_rate', 'throughput', 'ops'] as const

export function parseThreshold(expression: string): Threshold {
  const match = /^\s*([a-z0-9_.-]+)\s*(<=|>=|==|<|>)\s*([0-9.]+\s*[a-zµ]*)\s*$/i.exec(expression)
  if (!match) throw new Error(`invalid threshold "${expression}": expected METRIC OP VALUE, e.g. 'p99<5ms' or 'errors==0'`)
  const [, metric, op, raw] = match
  const last = metric.split('.').at(-1)!
  const isLatency = (PERCENTILES as readonly string[]).includes(last)
  if (!isLatency && !(PLAIN as readonly string[]).includes(metric)) {
    throw new Error(`invalid threshold "${expression}": unknown metric "${metric}"; use ${[...PERCENTILES, ...PLAIN].join(', ')} or TYPE.p99 (e.g. read.p99)`)
  }
  // Latencies take units and compare in milliseconds; a bare number means ms.
  const limit = isLatency && /[a-zµ]/i.test(raw) ? parseDurationMs(raw) : Number(raw)
  if (!Number.isFinite(limit)) throw new Error(`invalid threshold "${expression}": "${raw}" is not a number`)
  return {expression, metric, op: op as Threshold['op'], limit}
}

export function metricValue(report: LoadReport, metric: string): number {
  switch (metric) {
    case 'errors':
      return report.errors
    case 'error_rate':
      return report.errors / Math.max(1, report.ops + report.errors)
    case 'throughput':
      return report.throughput
    case 'ops':
      return report.ops
  }
  const parts = metric.split('.')
  const percentile = parts.pop() as (typeof PERCENTILES)[number]
  if (parts.length === 0) return report.latencyMs[percentile]
  const type = parts.join('.')
  const latency = report.operations[type]?.latencyMs ?? report.histograms[type]
  if (!latency) throw new Error(`threshold on "${metric}": this run has no operation or histogram "${type}"; it has ${[...Object.keys(report.operations), ...Object.keys(report.histograms)].join(', ')}`)
  return latency[percentile]
}

/** Refuses, before any load, a threshold on an operation type or histogram this workload never reports. */
export function checkThresholdMetrics(thresholds: Threshold[], metrics: readonly string[]): void {
  for (const t of thresholds) {
    const parts = t.metric.split('.')
    if (parts.length < 2) continue
    const type = parts.slice(0, -1).join('.')
    if (!metrics.includes(type)) throw new Error(`invalid threshold "${t.expression}": this workload reports no "${type}"; it reports ${metrics.join(', ')}`)
  }
}

/** A metric's value with its unit, as a threshold result shows it. */
export function formatMetric(metric: string, value: number): string {
  switch (metric) {
    case 'errors':
    case 'ops':
      return value.toLocaleString('en-US')
    case 'error_rate':
      return `${+(100 * value).toFixed(3)}%`
    case 'throughput':
      return `${value.toFixed(1)} ops/s`
  }
  return `${value.toFixed(3)} ms`
}

export function evaluateThresholds(report: LoadReport, thresholds: Threshold[]): ThresholdResult[] {
  return thresholds.map((t) => {
    const actual = metricValue(report, t.metric)
    const passed =
      t.op === '<' ? actual < t.limit : t.op === '<=' ? actual <= t.limit : t.op === '>' ? actual > t.limit : t.op === '>=' ? actual >= t.limit : actual === t.limit
    return {expression: t.expression, metric: t.metric, actual, passed}
  })
}
