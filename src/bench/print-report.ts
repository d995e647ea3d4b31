import {renderTable} from '../cli/table.js'
import type {LatencySummary} from './histogram.js'
import type {LoadReport} from './report.js'

const fmt = (n: number, digits = 2): string => (Number.isInteger(n) ? String(n) : n.toFixed(digits))
const latencyRow = (name: string, ops: number | string, l: LatencySummary): Array<string | number> => [
  name,
  ops,
  fmt(l.p50),
  fmt(l.p90),
  fmt(l.p99),
  fmt(l.p999),
  fmt(l.max),
  fmt(l.mean),
]

/** A driver this busy is likely what limits the run (one event loop, one core). */
const DRIVER_BUSY_PERCENT = 90

/** The human rendering of a report: a summary line, latency tables, errors. */
export function formatReport(report: LoadReport, extraRows: Array<[string, string | number]> = []): string {
  const lines: string[] = []
  const mode = report.rate ? `open loop at ${report.rate} ops/s (latency from intended start)` : 'closed loop'
  lines.push(`${report.workload} against ${report.target}: ${report.clients} clients, ${mode}, ${fmt(report.durationS)} s measured after ${report.warmupS} s warmup`)
  lines.push(`${report.ops} ops, ${fmt(report.throughput, 1)} ops/s, ${report.errors} errors`)
  const busy = report.driver.cpuPercentOfOneCore
  lines.push(`driver: ${fmt(busy, 0)}% of one core, ${fmt(report.driver.cpuMicrosPerOp, 1)} µs of its CPU per op${busy >= DRIVER_BUSY_PERCENT ? ' (busy: the numbers may measure the driver rather than the target)' : ''}`)
  const head = ['latency (ms)', 'ops', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean']
  const rows = [latencyRow('all', report.ops, report.latencyMs)]
  for (const [type, op] of Object.entries(report.operations)) if (Object.keys(report.operations).length > 1) rows.push(latencyRow(type, op.ops, op.latencyMs))
  for (const [name, l] of Object.entries(report.histograms)) rows.push(latencyRow(name, '', l))
  if (report.behindScheduleMs) rows.push(latencyRow('behind schedule', '', report.behindScheduleMs))
  lines.push(renderTable(head, rows))
  const facts: Array<[string, string | number]> = [
    ...Object.entries(report.errorsByKind).map(([k, v]): [string, number] => [`errors: ${k}`, v]),
    ...Object.entries(report.counters).map(([k, v]): [string, number] => [k, v]),
    ...extraRows,
  ]
  if (facts.length > 0) lines.push(renderTable(['', 'value'], facts.map(([k, v]) => [k, typeof v === 'number' ? fmt(v, 3) : v])))
  for (const e of report.events) lines.push(`event ${JSON.stringify(e)}`)
  if (report.firstUnexpectedError) lines.push(`first unexpected error: ${report.firstUnexpectedError.split('\n')[0]}`)
  return lines.join('\n')
}
