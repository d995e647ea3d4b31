/** A bench result (lock, kv, ring, txn, http): its numbers, its timeline, its latency spectrum and its workload's own charts. */

import type {ReportInput} from '../report-input.js'
import {type ChartSpec, chartSlot, type SectionParts} from './chart-spec.js'
import {eventPeriods, type FaultEvent, pairFaultPeriods} from './fault-periods.js'
import {arr, esc, facts, ms, num, obj, pct, table} from './format.js'
import {benchKindCharts} from './bench-kind-charts.js'
import {histogramCurves, spectrumChart} from './spectrum-chart.js'
import {eventBands, faultBands, timelineCharts, type TimelinePoint, warmupBand, wholeSeconds} from './timeline-charts.js'

/** The fields every bench report has (DESIGN.md "Benchmark report"); the rest are the workload's own, shown as facts. */
const COMMON_FIELDS = new Set([
  'workload', 'target', 'clients', 'threads', 'durationS', 'warmupS', 'ops', 'errors', 'errorsByKind', 'errorSamples', 'firstUnexpectedError',
  'throughput', 'latencyMs', 'rate', 'coordinatedOmissionCorrected', 'uncorrectedLatencyMs', 'schedule', 'operations', 'histograms', 'counters',
  'perClientOps', 'timeline', 'events', 'driver', 'failures', 'run', 'hdrHistograms', 'faults',
])

const PERCENTILES: Array<[string, string]> = [['p50', 'p50'], ['p90', 'p90'], ['p99', 'p99'], ['p999', 'p99.9'], ['max', 'max'], ['mean', 'mean']]

function latencyCells(summary: unknown): string[] {
  const s = obj(summary) ?? {}
  return PERCENTILES.map(([key]) => ms(s[key]))
}

function summaryTable(r: Record<string, unknown>): string {
  const schedule = obj(r.schedule)
  const driver = obj(r.driver)
  const rows: Array<[string, string]> = [
    ['target', esc(r.target ?? '–')],
    ['clients', `${num(r.clients)}${typeof r.threads === 'number' && r.threads > 1 ? ` on ${num(r.threads)} threads` : ''}`],
    ['load', typeof r.rate === 'number' ? `open loop at ${num(r.rate)} ops/s (latency from each operation's intended start)` : 'closed loop (latency from each send)'],
    ['measured', `${num(r.durationS, 2)} s after ${num(r.warmupS, 2)} s warmup`],
    ['throughput', `<b>${num(r.throughput)} ops/s</b>`],
    ['operations', `${num(r.ops)} ok, ${num(r.errors)} errors`],
  ]
  const byKind = Object.entries(obj(r.errorsByKind) ?? {})
  if (byKind.length > 0) rows.push(['errors by kind', esc(byKind.map(([k, v]) => `${k}: ${v} (${String(obj(r.errorSamples)?.[k] ?? '')})`).join('; '))])
  if (schedule) {
    rows.push(['schedule', `${num(schedule.issued)} of ${num(schedule.scheduled)} sent, ${num(schedule.achievedRate)} of ${num(schedule.requestedRate)} ops/s, lag p99 ${ms(obj(schedule.lagMs)?.p99)} ms`])
  }
  if (driver) rows.push(['driver busy', `${pct(Number(driver.cpuPercentOfOneCore) / 100, 0)} of one core, ${num(driver.cpuMicrosPerOp, 0)} µs CPU per operation`])
  return facts(rows)
}

function latencyTable(r: Record<string, unknown>): string {
  const rows: string[][] = [[esc('all (measured)'), num(r.ops), num(r.throughput), ...latencyCells(r.latencyMs)]]
  if (obj(r.uncorrectedLatencyMs)) rows.push([esc('all, from the send (uncorrected)'), num(r.ops), '', ...latencyCells(r.uncorrectedLatencyMs)])
  for (const [type, o] of Object.entries(obj(r.operations) ?? {})) {
    const op = obj(o) ?? {}
    rows.push([esc(type), num(op.ops), num(op.throughput), ...latencyCells(op.latencyMs)])
  }
  for (const [name, summary] of Object.entries(obj(r.histograms) ?? {})) rows.push([`${esc(name)} <span class="dim">(part of an operation)</span>`, '', '', ...latencyCells(summary)])
  return table(['operation', 'ops', 'ops/s', ...PERCENTILES.map(([, h]) => `${h} (ms)`)], rows)
}

/** Scalars and one level of nested objects among the workload's own fields: "server.messagesPerOp 3.0". */
function workloadFacts(r: Record<string, unknown>): string {
  const rows: Array<[string, string]> = []
  const add = (name: string, v: unknown) => {
    if (typeof v === 'number') rows.push([name, num(v, 3)])
    else if (typeof v === 'string' || typeof v === 'boolean') rows.push([name, esc(v)])
    else if (Array.isArray(v) && v.every((x) => typeof x !== 'object')) rows.push([name, esc(v.join(', ') || '–')])
  }
  for (const [k, v] of Object.entries(r)) {
    if (COMMON_FIELDS.has(k)) continue
    const nested = obj(v)
    if (nested) for (const [k2, v2] of Object.entries(nested)) add(`${k}.${k2}`, v2)
    else add(k, v)
  }
  for (const [k, v] of Object.entries(obj(r.counters) ?? {})) add(k, v)
  return rows.length > 0 ? `<h4>Workload details</h4>${facts(rows)}` : ''
}

function spectrumCharts(idPrefix: string, r: Record<string, unknown>): ChartSpec[] {
  const curves = histogramCurves(r.hdrHistograms)
  return curves.length > 0 ? [spectrumChart(`${idPrefix}-spectrum`, 'Latency by percentile (measured window)', curves)] : []
}

export function benchSection(input: ReportInput, idPrefix: string): SectionParts {
  const r = input.result
  const timeline = wholeSeconds(arr(r.timeline) as TimelinePoint[], Number(r.warmupS) + Number(r.durationS))
  const end = timeline.length > 0 ? timeline[timeline.length - 1].second + 1 : 0
  const bands = [
    ...warmupBand(timeline),
    ...eventBands(eventPeriods(arr(r.events) as Array<Record<string, unknown>>)),
    ...faultBands(pairFaultPeriods(arr(r.faults) as FaultEvent[], end)),
  ]
  const charts: ChartSpec[] = [...(timeline.length > 0 ? timelineCharts(idPrefix, timeline, bands) : []), ...spectrumCharts(idPrefix, r), ...benchKindCharts(idPrefix, r)]
  const failures = arr(r.failures).map(String)
  const html = [
    failures.length > 0 ? `<ul class="failures">${failures.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>` : '',
    summaryTable(r),
    latencyTable(r),
    `<div class="charts">${charts.map(chartSlot).join('')}</div>`,
    workloadFacts(r),
  ].join('\n')
  return {html, charts}
}
