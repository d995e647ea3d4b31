/** A check result (kv, lock, txn): what ran, the faults over time, the throughput under them, and when it failed, the anomaly. */

import type {ReportInput} from '../report-input.js'
import {anomalyChart, anomalyOf, anomalyTable} from './anomaly.js'
import {type ChartSpec, chartSlot, type LanesChart, type SectionParts} from './chart-spec.js'
import {type FaultEvent, type FaultPeriod, pairFaultPeriods, periodLabel} from './fault-periods.js'
import {arr, esc, facts, num, obj} from './format.js'
import {PERIOD_COLORS} from './palette.js'
import {faultBands, timelineCharts, type TimelinePoint, wholeSeconds} from './timeline-charts.js'

/** One lane per faulted node, a bar per fault period. */
function faultTimeline(id: string, periods: readonly FaultPeriod[], endS: number): LanesChart {
  const nodes = [...new Set(periods.map((p) => p.node))].sort()
  const kinds = [...new Set(periods.map((p) => p.kind))]
  return {
    type: 'lanes',
    id,
    title: 'Faults injected, per node',
    lanes: nodes,
    xAxis: {label: 'time since the check started (s)'},
    laneAxis: {label: 'node'},
    xMin: 0,
    xMax: endS,
    bars: periods.map((p) => ({lane: nodes.indexOf(p.node), start: p.fromS, end: p.open ? null : p.toS, label: `${p.action}${p.endAction ? ` → ${p.endAction}` : ''}`, color: PERIOD_COLORS[p.kind]})),
    key: kinds.map((k) => ({label: k, color: PERIOD_COLORS[k]})),
  }
}

/** A lock violation as the terminal says it: its kind, its lock and what the history proves. */
function violationText(v: unknown): unknown {
  const o = obj(v)
  return o ? `${String(o.kind)} on ${String(o.lock)}: ${String(o.detail)}` : v
}

/** The check's own findings, by kind: the key that failed, the violations, the bank's outcomes and problems. */
function findings(r: Record<string, unknown>): Array<[string, string]> {
  const result = obj(r.result) ?? {}
  const list = (items: unknown[]) => (items.length === 0 ? 'none' : `<ul>${items.map((i) => `<li>${esc(typeof i === 'string' ? i : JSON.stringify(i))}</li>`).join('')}</ul>`)
  switch (r.workload) {
    case 'check-kv':
      return [
        ['operations checked', num(result.operations)],
        ...(typeof result.key === 'string' ? [['key', esc(result.key)] as [string, string]] : []),
        ...(typeof result.reason === 'string' ? [['why undecided', esc(result.reason)] as [string, string]] : []),
      ]
    case 'check-lock':
      return [
        ['grants', num(result.grants)],
        ['violations', list(arr(result.violations).map(violationText))],
      ]
    default:
      return [
        ['transfers by outcome', esc(Object.entries(obj(r.outcomes) ?? {}).map(([k, v]) => `${k} ${v}`).join(', '))],
        ['total (start → end)', `${num(r.total)} → ${num(r.finalSum)}${typeof r.finalAudit === 'number' ? `, final audit ${num(r.finalAudit)}` : ''}`],
        ['problems', list(arr(r.problems))],
      ]
  }
}

export function checkSection(input: ReportInput, idPrefix: string): SectionParts {
  const r = input.result
  const ops = obj(r.operations)
  const timeline = wholeSeconds(arr(r.timeline) as TimelinePoint[], Number(r.durationS))
  const endS = Math.max(Number(r.durationS) || 0, timeline.length > 0 ? timeline[timeline.length - 1].second + 1 : 0)
  const periods = pairFaultPeriods(arr(r.faults) as FaultEvent[], endS)
  const anomaly = anomalyOf(r)
  const charts: ChartSpec[] = [
    ...(periods.length > 0 ? [faultTimeline(`${idPrefix}-faults`, periods, endS)] : []),
    ...(timeline.length > 0 ? timelineCharts(idPrefix, timeline, faultBands(periods)) : []),
  ]
  const anomalyChartSpec = anomaly && anomaly.operations.length > 0 ? anomalyChart(`${idPrefix}-anomaly`, anomaly.operations) : undefined
  const size = ['keys', 'locks', 'accounts'].filter((k) => typeof r[k] === 'number').map((k) => `${num(r[k])} ${k}`)
  const html = [
    facts([
      ['clients', `${num(r.clients)}${size.length > 0 ? `, ${size.join(', ')}` : ''}`],
      ['duration', `${num(r.durationS, 1)} s${typeof r.seed === 'number' ? `, seed ${r.seed}` : ''}`],
      ...(ops ? [['operations', `${num(ops.invoked)} invoked: ${num(ops.ok)} ok, ${num(ops.fail)} failed, ${num(ops.info)} unknown`] as [string, string]] : []),
      ['faults', r.rechecked ? 'not in the history (a re-check runs only the checker)' : periods.length === 0 ? 'none' : esc(periods.map((p) => `${num(p.fromS, 1)}–${num(p.toS, 1)} s ${periodLabel(p)}`).join('; '))],
      ...findings(r),
      ['history', `<code>${esc(r.history ?? '–')}</code>`],
    ]),
    `<div class="charts">${charts.map(chartSlot).join('')}</div>`,
    anomaly
      ? `<h4>Anomaly${anomaly.key ? ` on key <code>${esc(anomaly.key)}</code>` : ''}</h4><p class="explanation">${esc(anomaly.explanation)}</p>` +
        (anomalyChartSpec ? `<div class="charts">${chartSlot(anomalyChartSpec)}</div>${anomalyTable(anomaly.operations)}` : '')
      : '',
  ].join('\n')
  return {html, charts: anomalyChartSpec ? [...charts, anomalyChartSpec] : charts}
}
