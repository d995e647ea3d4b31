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

/**
 * A histogram as compressed base64 (HdrHistogram's own encoding), to cross a
 * thread boundary, and its exact maximum: the encoding keeps counts per
 * bucket, so a decoded maximum would be its bucket's top.
 */
export interface EncodedHistogram {
  counts: string
  max: number
}

export function encodeHistogram(h: Histogram): EncodedHistogram {
  return {counts: hdr.encodeIntoCompressedBase64(h), max: h.maxValue}
}

export function decodeHistogram(e: EncodedHistogram): Histogram {
  const h = hdr.decodeFromCompressedBase64(e.counts)
  ;(h as {maxValue: number}).maxValue = e.max
  return h
}

const ms = (micros: number): number => Math.round(micros) / 1000

export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return {p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0}
  // A percentile is the top of its bucket (up to 0.1% above the values in it);
  // no value was above the maximum, so neither is any percentile.
  const at = (percentile: number): number => ms(Math.min(h.getValueAtPercentile(percentile), h.maxValue))
  return {
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  }
}
