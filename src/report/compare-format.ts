/** The terminal view of a Comparison: who ran what, a table of metrics with each later run's ratio to the first, then the warnings. */
import {renderTable} from './table.js'
import type {ComparedMetric, ComparedRun, Comparison} from './compare.js'
import {worseByPct} from './compare-ratio.js'

const letter = (i: number): string => String.fromCharCode(65 + i)
const grouped = (n: number, decimals: number): string => n.toLocaleString('en-US', {minimumFractionDigits: decimals, maximumFractionDigits: decimals})

export function formatValue(m: ComparedMetric, v: number): string {
  switch (m.unit) {
    case 'ops/s':
      return `${grouped(v, 1)} ops/s`
    case 'ops':
    case 'errors':
      return grouped(v, 0)
    case 'fraction':
      return `${(100 * v).toFixed(2)}%`
    case 'ms':
      // Sub-millisecond latencies (Redis, a local lock server) need the third decimal to differ.
      return `${grouped(v, v < 1 ? 3 : 2)} ms`
  }
}

/** Run i against the first: `1.42× better`, `0.71× worse`, `same`; B/A, whichever way is better. */
function formatRatio(m: ComparedMetric, i: number): string {
  const r = m.ratios[i]
  const worse = worseByPct(m, i)
  const word = worse > 0 ? 'worse' : worse < 0 ? 'better' : 'same'
  if (r === null) return `${word} (from 0)`
  const shown = r.toFixed(r >= 100 ? 0 : r >= 10 ? 1 : 2)
  return shown === '1.00' ? '≈ same' : `${shown}× ${word}`
}

const metricLabel = (m: ComparedMetric): string => {
  const stat = m.group === null ? m.name : m.name.slice(m.group.length + 1)
  return `${m.group === null ? '' : `${m.group} `}${stat.replace('_', ' ')}`
}

function describeRun(r: ComparedRun, i: number): string {
  const load = r.rate === null ? 'closed loop' : `open loop at ${r.rate} ops/s`
  const threads = r.threads > 1 ? ` on ${r.threads} threads` : ''
  const failed = r.failures.length > 0 ? ' — FAILED' : ''
  return `${letter(i)}  ${r.label}: against ${r.target}, ${r.clients} ${r.clients === 1 ? 'client' : 'clients'}${threads}, ${load}, ${r.durationS} s measured${failed}`
}

export function formatComparison(c: Comparison): string {
  const later = c.runs.slice(1).map((_, k) => k + 1)
  const head = ['metric', 'A', ...later.flatMap((i) => [letter(i), `${letter(i)}/A`])]
  const rows = c.metrics.map((m) => [metricLabel(m), formatValue(m, m.values[0]), ...later.flatMap((i) => [formatValue(m, m.values[i]), formatRatio(m, i)])])
  return [
    `${c.workload} benchmark, ${c.runs.length} runs; ratios are against A`,
    ...c.runs.map(describeRun),
    renderTable(head, rows, undefined, true),
    ...c.warnings.map((w) => `warning: ${w}`),
  ].join('\n')
}
