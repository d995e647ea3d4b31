/** A failed check's anomaly: the operations around it, one lane per process on a time axis, as Porcupine and Knossos draw them. */

import type {AnomalyOperation} from '../../core/check/anomaly.js'
import type {LanesChart} from './chart-spec.js'
import {arr, esc, ms, obj, table} from './format.js'
import {OUTCOME_COLORS} from './palette.js'

/** A value as short text for a bar's label: JSON, cut to `max` characters. */
function shortValue(v: unknown, max = 24): string {
  if (v === undefined) return ''
  const text = typeof v === 'string' ? v : JSON.stringify(v)
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** "put 3", "get → 2", "cas [1,2] → fail": what an operation asked and what it saw. */
function operationLabel(op: AnomalyOperation): string {
  const input = shortValue(op.input)
  const output = op.type === 'info' ? '?' : op.type === 'fail' ? 'fail' : shortValue(op.output)
  return `${op.f}${input ? ` ${input}` : ''}${output ? ` → ${output}` : ''}`
}

export function anomalyChart(id: string, operations: readonly AnomalyOperation[]): LanesChart {
  const lanes = [...new Set(operations.map((o) => String(o.process)))].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b))
  const starts = operations.map((o) => o.startMs)
  const ends = operations.map((o) => o.endMs ?? o.startMs)
  const from = Math.min(...starts)
  const to = Math.max(...ends, ...starts)
  // Room on the right for operations that never returned, drawn open-ended.
  const pad = Math.max(1, (to - from) * 0.08)
  return {
    type: 'lanes',
    id,
    title: 'Operations around the anomaly, per process (offending ones in red)',
    lanes: lanes.map((l) => `process ${l}`),
    xAxis: {label: 'time since the check started (ms)'},
    laneAxis: {label: 'process'},
    xMin: from - pad / 4,
    xMax: to + pad,
    bars: operations.map((o) => ({
      lane: lanes.indexOf(String(o.process)),
      start: o.startMs,
      end: o.endMs,
      label: operationLabel(o),
      color: o.marked ? OUTCOME_COLORS.marked : OUTCOME_COLORS[o.type],
      ...(o.marked ? {marked: true} : {}),
    })),
    key: [
      {label: 'ok', color: OUTCOME_COLORS.ok},
      {label: 'failed (had no effect)', color: OUTCOME_COLORS.fail},
      {label: 'unknown outcome (never returned)', color: OUTCOME_COLORS.info},
      {label: 'offending', color: OUTCOME_COLORS.marked},
    ],
  }
}

/** The same operations as a table: every value in full, and the history line to look up. */
export function anomalyTable(operations: readonly AnomalyOperation[]): string {
  const rows = [...operations]
    .sort((a, b) => a.startMs - b.startMs)
    .map((o) => [
      `${o.marked ? '<b class="bad">▶ ' : ''}${esc(o.line)}${o.marked ? '</b>' : ''}`,
      esc(o.process),
      esc(o.f),
      esc(shortValue(o.input, 80)),
      esc(o.type === 'ok' ? shortValue(o.output, 80) : o.type),
      ms(o.startMs),
      o.endMs === null ? 'never returned' : ms(o.endMs),
    ])
  return table(['history line', 'process', 'f', 'input', 'output', 'start (ms)', 'end (ms)'], rows, 5)
}

/** The anomaly field of a check result, when it has one. */
export function anomalyOf(result: Record<string, unknown>): {key?: string; explanation: string; operations: AnomalyOperation[]} | undefined {
  const a = obj(result.anomaly)
  if (!a) return undefined
  return {key: typeof a.key === 'string' ? a.key : undefined, explanation: String(a.explanation ?? ''), operations: arr(a.operations) as AnomalyOperation[]}
}
