/** Throughput and latency over time from a per-second timeline, with periods shaded. */

import type {BandSpec, XYChart} from './chart-spec.js'
import {type EventPeriod, type FaultPeriod, periodLabel} from './fault-periods.js'
import {BAND_COLORS, seriesColor} from './palette.js'

/** A bench or check timeline point; p50Ms and maxMs are missing from older results. */
export interface TimelinePoint {
  second: number
  warmup: boolean
  ops: number
  errors: number
  p50Ms?: number
  p99Ms: number
  maxMs?: number
}

export function faultBands(periods: readonly FaultPeriod[]): BandSpec[] {
  return periods.map((p) => ({from: p.fromS, to: p.toS, label: periodLabel(p), color: BAND_COLORS[p.kind], ...(p.open ? {open: true} : {})}))
}

export function eventBands(periods: readonly EventPeriod[]): BandSpec[] {
  return periods.map((p) => ({from: p.fromS, to: p.toS, label: p.label, color: BAND_COLORS[p.kind]}))
}

/** The warmup seconds as a band, when there were any. */
export function warmupBand(timeline: readonly TimelinePoint[]): BandSpec[] {
  const measuredFrom = timeline.find((p) => !p.warmup)?.second ?? (timeline.length > 0 ? timeline[timeline.length - 1].second + 1 : 0)
  return timeline.some((p) => p.warmup) ? [{from: 0, to: measuredFrom, label: 'warmup', color: BAND_COLORS.warmup}] : []
}

/**
 * The timeline without seconds the run covered less than half of (its last
 * one, cut by the end): a handful of operations there would read as a collapse.
 */
export function wholeSeconds(timeline: readonly TimelinePoint[], endS: number): TimelinePoint[] {
  return Number.isFinite(endS) ? timeline.filter((p) => p.second + 1 <= endS + 0.5) : [...timeline]
}

const TIME_AXIS = {label: 'time since start (s)'}

/**
 * Two charts: successful operations and errors per second, and p50/p99/max
 * latency per second on a log axis (a second without operations has no
 * latency: a gap, not a zero). Each point sits mid-second.
 */
export function timelineCharts(idPrefix: string, timeline: readonly TimelinePoint[], bands: BandSpec[]): XYChart[] {
  const x = timeline.map((p) => p.second + 0.5)
  const xRange: [number, number] = [0, Math.max(1, ...timeline.map((p) => p.second + 1), ...bands.map((b) => b.to))]
  const latency = (pick: (p: TimelinePoint) => number | undefined) => timeline.map((p) => (p.ops > 0 && (pick(p) ?? 0) > 0 ? (pick(p) as number) : null))
  const latencySeries = [
    {label: 'p50', pick: (p: TimelinePoint) => p.p50Ms},
    {label: 'p99', pick: (p: TimelinePoint) => p.p99Ms},
    {label: 'max', pick: (p: TimelinePoint) => p.maxMs},
  ]
    .filter((s) => timeline.some((p) => s.pick(p) !== undefined))
    .map((s, i) => ({label: `${s.label} (ms)`, color: seriesColor(i), values: latency(s.pick)}))
  const hasErrors = timeline.some((p) => p.errors > 0)
  return [
    {
      type: 'xy',
      id: `${idPrefix}-throughput`,
      title: 'Throughput per second',
      x,
      xRange,
      xAxis: TIME_AXIS,
      yAxis: {label: 'operations per second'},
      series: [
        {label: 'ok (ops/s)', color: seriesColor(0), values: timeline.map((p) => p.ops)},
        ...(hasErrors ? [{label: 'errors (/s)', color: seriesColor(1), values: timeline.map((p) => p.errors)}] : []),
      ],
      bands,
    },
    {
      type: 'xy',
      id: `${idPrefix}-latency`,
      title: `Latency per second (${latencySeries.map((s) => s.label.replace(' (ms)', '')).join(', ')})`,
      x,
      xRange,
      xAxis: TIME_AXIS,
      yAxis: {label: 'latency (ms, log scale)', log: true},
      series: latencySeries,
      bands,
    },
  ]
}
