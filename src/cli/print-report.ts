import {stripVTControlCharacters} from 'node:util'

import {renderTable} from '../report/table.js'
import type {LatencySummary} from '../core/stats/histogram.js'
import {formatLatencyChart} from '../bench/latency-line.js'
import type {LoadReport} from '../bench/report.js'
import {MIN_ISSUED_FRACTION} from '../bench/verdict.js'

/** Counts with thousands separators; other numbers with a fixed number of decimals, so a column reads alike. */
const formatNumber = (n: number, decimals = 3): string =>
  Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', {minimumFractionDigits: decimals, maximumFractionDigits: decimals})
const ms = (n: number): string => n.toFixed(2)
const latencyRow = (name: string, ops: number | string, l: LatencySummary): string[] => [
  name,
  typeof ops === 'number' ? formatNumber(ops) : ops,
  ms(l.p50),
  ms(l.p90),
  ms(l.p99),
  ms(l.p999),
  ms(l.max),
  ms(l.mean),
]

/** A driver this busy is likely what limits the run (one event loop, one core). */
export const DRIVER_BUSY_PERCENT = 90

/** The human rendering of a report: what ran, the schedule it kept, latency tables, errors and the workload's facts. */
export function formatReport(report: LoadReport, extraRows: Array<[string, string | number]> = [], options: {latencyChart?: boolean} = {}): string {
  const lines: string[] = []
  const mode = report.rate ? `open loop at ${formatNumber(report.rate)} ops/s (latency from each operation's slot)` : 'closed loop'
  const threads = report.threads > 1 ? ` on ${report.threads} threads` : ''
  lines.push(`${report.workload} against ${report.target}: ${formatNumber(report.clients)} ${report.clients === 1 ? 'client' : 'clients'}${threads}, ${mode}, ${report.durationS.toFixed(2)} s measured after ${report.warmupS.toFixed(2)} s warmup`)
  lines.push(`${formatNumber(report.ops)} ops, ${formatNumber(report.throughput, 1)} ops/s, ${formatNumber(report.errors)} errors`)
  const s = report.schedule
  if (s) {
    const fraction = s.scheduled > 0 ? s.issued / s.scheduled : 1
    const kept = `schedule: ${formatNumber(s.issued)} of ${formatNumber(s.scheduled)} operations sent (${(100 * fraction).toFixed(1)}%), ${formatNumber(s.achievedRate, 1)} of ${formatNumber(s.requestedRate)} ops/s, lag p99 ${ms(s.lagMs.p99)} ms`
    const short = fraction < MIN_ISSUED_FRACTION ? `; FELL SHORT of the schedule: ${formatNumber(s.notIssued)} not sent` : s.notIssued > 0 ? `; ${formatNumber(s.notIssued)} not sent` : ''
    lines.push(kept + short)
  }
  const busy = report.driver.cpuPercentOfOneCore
  const warning = busy >= DRIVER_BUSY_PERCENT * report.threads ? ' (busy: the numbers may measure the driver rather than the target)' : ''
  lines.push(`driver: ${busy.toFixed(0)}% of one core, ${report.driver.cpuMicrosPerOp.toFixed(1)} µs of its CPU per op${warning}`)
  const head = ['latency (ms)', 'ops', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean']
  const rows = [latencyRow(report.uncorrectedLatencyMs ? 'all (from slot)' : 'all', report.ops, report.latencyMs)]
  if (report.uncorrectedLatencyMs) rows.push(latencyRow('all (from send)', report.ops, report.uncorrectedLatencyMs))
  const types = Object.entries(report.operations)
  if (types.length > 1) for (const [type, op] of types) rows.push(latencyRow(type, op.ops, op.latencyMs))
  for (const [name, l] of Object.entries(report.histograms)) rows.push(latencyRow(name, '', l))
  if (s) rows.push(latencyRow('behind schedule', '', s.lagMs))
  const table = renderTable(head, rows)
  lines.push(table)
  // Under the table and no wider: the chart is a footnote to it (a terminal only: --json and pipes get none).
  const chart = options.latencyChart && formatLatencyChart(report, Math.max(...table.split('\n').map((l) => stripVTControlCharacters(l).length)))
  if (chart) lines.push(chart)
  // Errors and counters by name: every run prints its rows in the same order (the most common error is named in the verdict).
  const facts: Array<[string, string | number]> = [
    ...Object.entries(report.errorsByKind)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]): [string, number] => [`errors: ${k}`, v]),
    ...Object.entries(report.counters)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]): [string, number] => [k, v]),
    ...extraRows,
  ]
  if (facts.length > 0) lines.push(renderTable(['', 'value'], facts.map(([k, v]) => [k, typeof v === 'number' ? formatNumber(v) : v])))
  for (const e of report.events) lines.push(formatEvent(e))
  if (report.firstUnexpectedError) lines.push(`first unexpected error: ${report.firstUnexpectedError.split('\n')[0]}`)
  return lines.join('\n')
}

function formatEvent(e: Record<string, unknown>): string {
  const {name, atS, tookS, outlastedRun, ...rest} = e
  const took = typeof tookS === 'number' ? `, took ${tookS.toFixed(2)} s${outlastedRun ? ' (went on after the measured window)' : ''}` : ''
  const details = Object.entries(rest)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : JSON.stringify(v)}`)
    .join(', ')
  return `event ${String(name)} at ${(atS as number).toFixed(2)} s${took}${details ? `: ${details}` : ''}`
}
