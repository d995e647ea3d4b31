/** A `ring churn` result: keys moved against the ideal, and load balance, per placement algorithm. */

import type {ReportInput} from '../report-input.js'
import {chartSlot, type SectionParts} from './chart-spec.js'
import {arr, esc, facts, num, obj, pct, table} from './format.js'
import {seriesColor} from './palette.js'

export function churnSection(input: ReportInput, idPrefix: string): SectionParts {
  const r = input.result
  const results = arr(r.results).map((x) => obj(x) ?? {})
  const algorithms = results.map((a) => String(a.algorithm))
  const balance = (a: Record<string, unknown>, key: string) => {
    const v = obj(a.balanceAfter)?.[key]
    return typeof v === 'number' ? v : null
  }
  const charts = [
    {
      type: 'bars' as const,
      id: `${idPrefix}-moved`,
      title: 'Keys moved against the ideal |ΔN|/max(N) (dashed 1.0: only the keys that had to move)',
      categories: algorithms,
      xAxis: {label: 'algorithm'},
      yAxis: {label: 'moved / ideal (ratio)'},
      series: [{label: 'moved / ideal', color: seriesColor(0), values: results.map((a) => (typeof a.movedOverIdeal === 'number' ? a.movedOverIdeal : null))}],
      reference: 1,
    },
    {
      type: 'bars' as const,
      id: `${idPrefix}-balance`,
      title: 'Load balance after the change, keys per node (lower is more even; dashed: max = mean)',
      categories: algorithms,
      xAxis: {label: 'algorithm'},
      yAxis: {label: 'ratio to the mean'},
      series: [
        {label: 'max / mean', color: seriesColor(1), values: results.map((a) => balance(a, 'maxOverMean'))},
        {label: 'stddev / mean', color: seriesColor(2), values: results.map((a) => balance(a, 'stddevOverMean'))},
      ],
      reference: 1,
    },
  ]
  const rows = results.map((a) => [
    esc(a.algorithm),
    num(a.moved),
    pct(a.movedFraction, 2),
    pct(a.idealFraction, 2),
    num(a.movedOverIdeal, 3),
    num(a.movedBetweenSurvivors),
    `${num(obj(a.balanceBefore)?.maxOverMean, 3)} → ${num(obj(a.balanceAfter)?.maxOverMean, 3)}`,
    `${num(obj(a.balanceBefore)?.stddevOverMean, 3)} → ${num(obj(a.balanceAfter)?.stddevOverMean, 3)}`,
    num(typeof a.lookupKeysPerSec === 'number' ? a.lookupKeysPerSec / 1e6 : undefined, 2),
    num(a.buildMs, 2),
  ])
  const change = [arr(r.added).length > 0 ? `added ${arr(r.added).join(', ')}` : '', arr(r.removed).length > 0 ? `removed ${arr(r.removed).join(', ')}` : '']
    .filter(Boolean)
    .join('; ')
  const html = [
    facts([
      ['keys', num(r.keys)],
      ['nodes', `${num(r.nodesBefore)} → ${num(r.nodesAfter)}${change ? ` (${esc(change)})` : ''}`],
      ['options', esc(Object.entries(obj(r.options) ?? {}).map(([k, v]) => `${k} ${v}`).join(', ') || '–')],
    ]),
    table(['algorithm', 'moved', 'moved %', 'ideal %', 'moved/ideal', 'between survivors', 'max/mean (before → after)', 'stddev/mean (before → after)', 'lookups (M keys/s)', 'build (ms)'], rows),
    `<div class="charts">${charts.map(chartSlot).join('')}</div>`,
  ].join('\n')
  return {html, charts}
}
