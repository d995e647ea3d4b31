import {plot} from 'asciichart'

import type {LoadReport} from './report.js'

/** Rows of the chart: enough to see a spike, few enough to stay a footnote to the table. */
const HEIGHT = 4
const MAX_COLUMNS_PER_SECOND = 6
/** asciichart's own, but a plain axis where it would draw ┼: on the first point, and on the top row (its "zero" row, upside down). */
const SYMBOLS: [string, string, string, string, string, string, string, string, string, string] = ['┤', '┤', '╶', '╴', '─', '╰', '╭', '╮', '╯', '│']

/**
 * The terminal's latency-over-time line: p99 of each second that starts in
 * the measured window (open loop: from each operation's slot, as the
 * table's first row), as a small ASCII chart from 0 with its y range
 * labelled in ms and the window's first and last second under it, no wider
 * than `maxWidth`. A run too long for that width shows the worst p99 of each
 * group of seconds. Undefined when the window has fewer than two seconds.
 */
export function formatLatencyChart(report: Pick<LoadReport, 'timeline' | 'warmupS' | 'durationS' | 'rate'>, maxWidth: number): string | undefined {
  const windowEndS = report.warmupS + report.durationS
  const seconds = report.timeline.filter((p) => !p.warmup && p.second < windowEndS)
  if (seconds.length < 2) return undefined
  const values = seconds.map((p) => p.p99Ms)
  const labelWidth = Math.max(...values).toFixed(2).length
  // A line is the label, a space, the axis, then one column per point after the first.
  const columns = Math.max(2, maxWidth - labelWidth - 1)
  const group = Math.ceil(values.length / columns)
  const worst = Array.from({length: Math.ceil(values.length / group)}, (_, i) => Math.max(...values.slice(i * group, (i + 1) * group)))
  // A short run spreads its seconds over the width: each one a step a few columns wide.
  const repeat = Math.max(1, Math.min(MAX_COLUMNS_PER_SECOND, Math.floor(columns / worst.length)))
  const points = worst.flatMap((v) => Array<number>(repeat).fill(v))
  // From zero: a steady run draws a steady line, not every 5% wobble magnified to full height (asciichart needs max > min).
  const max = Math.max(0.01, ...points)
  const chart = plot(points, {height: HEIGHT, min: 0, max, symbols: SYMBOLS, format: (y) => y.toFixed(2).padStart(labelWidth)})
  const first = `${seconds[0].second} s`
  // The right edge is the end of the last second.
  const last = `${seconds.at(-1)!.second + 1} s`
  const axis = ' '.repeat(labelWidth + 1) + first + last.padStart(Math.max(last.length + 1, points.length - first.length))
  const per = group === 1 ? 'each second' : `the worst of each ${group} s`
  const empty = seconds.filter((p) => p.ops === 0).length
  const gaps = empty > 0 ? `; ${empty} s with no operation done show as 0` : ''
  const from = report.rate ? ' from the slot' : ''
  return [`p99 latency${from} (ms), ${per} of the measured window${gaps}`, chart, axis].join('\n')
}
