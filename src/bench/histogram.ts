import * as hdr from 'hdr-histogram-js'

/** Latency percentiles in milliseconds, as in every dsys report. */
export interface LatencySummary {
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
  mean: number
}

// Microsecond resolution, up to one hour, three significant digits (as wrk2).
const HIGHEST_MICROS = 3_600_000_000

export type Histogram = hdr.Histogram

export function createHistogram(): Histogram {
  return hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_MICROS, numberOfSignificantValueDigits: 3})
}

export function recordMicros(h: Histogram, micros: number): void {
  h.recordValue(Math.min(HIGHEST_MICROS, Math.max(1, Math.round(micros))))
}

const ms = (micros: number): number => Math.round(micros) / 1000

export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return {p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0}
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  }
}
