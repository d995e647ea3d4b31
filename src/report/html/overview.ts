/** The table at the top of a report: every run with its kind, headline number and verdict, linking to its section. */

import type {ReportInput} from '../report-input.js'
import {arr, esc, num, obj, table, utcTime} from './format.js'
import {verdictOf} from './verdict.js'

/** The one number that says most about a run. */
function headline(r: Record<string, unknown>): string {
  if (r.workload === 'ring-churn') return `${arr(r.results).length} algorithm(s), ${num(r.keys)} keys, ${num(r.nodesBefore)} → ${num(r.nodesAfter)} nodes`
  if (r.workload === 'hdr-log') return `${num(r.intervals)} intervals, tags ${esc(arr(r.tags).join(', '))}`
  if (String(r.workload).startsWith('check-')) return `${num(obj(r.operations)?.invoked ?? arr(r.faults).length)} operations, ${r.rechecked ? 'faults not in the history' : `${arr(r.faults).length} fault events`}`
  return `${num(r.throughput)} ops/s, p99 ${num(obj(r.latencyMs)?.p99, 2)} ms`
}

export function overviewHtml(inputs: readonly ReportInput[], sectionId: (i: number) => string): string {
  const rows = inputs.map((input, i) => {
    const v = verdictOf(input.result)
    const run = obj(input.result.run)
    return [
      `<a href="#${sectionId(i)}">${esc(input.label)}</a>`,
      esc(input.result.workload),
      headline(input.result),
      `<span class="verdict ${v.status}">${esc(v.text)}</span>`,
      esc(typeof run?.startedAt === 'string' ? utcTime(run.startedAt) : '–'),
    ]
  })
  return table(['run', 'kind', 'result', 'verdict', 'started'], rows, 9)
}
