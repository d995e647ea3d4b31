/** The comparison of several bench runs: every metric with its ratio against the first run, and the headline ratios as bars. */

import type {ComparedMetric, Comparison} from '../compare.js'
import {type BarChart, chartSlot, type SectionParts} from './chart-spec.js'
import {formatValue} from '../compare-format.js'
import {esc, table} from './format.js'
import {seriesColor} from './palette.js'

/** "×1.23" coloured by whether it is better or worse than the first run. */
function ratio(m: ComparedMetric, r: number | null): string {
  if (r === null) return '<span class="bad">from 0</span>'
  if (r === 1) return '<span class="dim">×1.00</span>'
  const better = m.better === 'higher' ? r > 1 : r < 1
  return `<span class="${better ? 'good' : 'bad'}">×${r.toFixed(2)}</span>`
}

function ratioChart(c: Comparison): BarChart {
  const pick = (name: string) => c.metrics.find((m) => m.name === name)
  const series = [
    {metric: pick('throughput'), label: 'throughput ratio (higher is better)'},
    {metric: pick('p99'), label: 'p99 latency ratio (lower is better)'},
  ].flatMap((s, i) => (s.metric ? [{label: s.label, color: seriesColor(i), values: s.metric.ratios}] : []))
  return {
    type: 'bars',
    id: 'comparison-ratios',
    title: `Throughput and p99 ratios against ${c.runs[0].label} (dashed 1.0: the same)`,
    categories: c.runs.map((r) => r.label),
    xAxis: {label: 'run'},
    yAxis: {label: `ratio to ${c.runs[0].label}`},
    series,
    reference: 1,
  }
}

export function comparisonSection(c: Comparison): SectionParts {
  const head = ['metric', ...c.runs.flatMap((r, i) => (i === 0 ? [r.label] : [r.label, 'ratio']))]
  const rows = c.metrics.map((m) => [
    esc(m.name),
    ...m.values.flatMap((v, i) => (i === 0 ? [formatValue(m, v)] : [formatValue(m, v), ratio(m, m.ratios[i])])),
  ])
  const chart = ratioChart(c)
  const html = [
    `<h2>Comparison<span class="kind">${esc(c.workload)}, ratios against ${esc(c.runs[0].label)}</span></h2>`,
    c.warnings.length > 0 ? `<ul class="warnings">${c.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '',
    table(head, rows),
    `<div class="charts">${chartSlot(chart)}</div>`,
  ].join('\n')
  return {html, charts: [chart]}
}
