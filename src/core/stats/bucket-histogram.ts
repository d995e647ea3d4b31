import type {LatencySummary} from './histogram.js'

/**
 * A latency histogram with fixed log-spaced buckets (8 per doubling, ~9%
 * wide, from 10 µs up). Fixed buckets make snapshots subtractable: a
 * benchmark reads a node's histogram before and after its run and gets the
 * histogram of exactly its window, which percentiles alone cannot give.
 * (hdr-histogram-js, src/core/stats/histogram.ts, can subtract too, but only as a
 * decoded object: /health would carry an encoded blob instead of plain JSON.)
 */
const FIRST_BUCKET_MS = 0.01
const BUCKETS_PER_DOUBLING = 8
/** Up to 10 µs · 2^30 ≈ 3 hours; anything longer lands in the last bucket. */
const BUCKET_COUNT = 30 * BUCKETS_PER_DOUBLING

export interface HistogramSnapshot {
  /** counts[i] holds values up to upperBoundMs(i). */
  counts: number[]
  count: number
  sumMs: number
  maxMs: number
}

export type HistogramSummary = LatencySummary & {count: number}

function upperBoundMs(bucket: number): number {
  return FIRST_BUCKET_MS * 2 ** ((bucket + 1) / BUCKETS_PER_DOUBLING)
}

export class BucketHistogram {
  private readonly counts = new Array<number>(BUCKET_COUNT).fill(0)
  private count = 0
  private sumMs = 0
  private maxMs = 0

  record(ms: number): void {
    const value = Math.max(0, ms)
    const bucket = value <= FIRST_BUCKET_MS ? 0 : Math.ceil(Math.log2(value / FIRST_BUCKET_MS) * BUCKETS_PER_DOUBLING) - 1
    this.counts[Math.min(Math.max(bucket, 0), BUCKET_COUNT - 1)]++
    this.count++
    this.sumMs += value
    this.maxMs = Math.max(this.maxMs, value)
  }

  snapshot(): HistogramSnapshot {
    return {counts: [...this.counts], count: this.count, sumMs: this.sumMs, maxMs: this.maxMs}
  }
}

/**
 * What was recorded between two snapshots of one histogram. A node keeps one
 * maximum for its lifetime, so the window's own maximum is that one only
 * when it grew during the window; otherwise it is bounded by the top of the
 * highest bucket the window used (at most ~9% high, as the percentiles).
 */
export function histogramSince(after: HistogramSnapshot, before: HistogramSnapshot | undefined): HistogramSnapshot {
  if (!before) return after
  const counts = after.counts.map((n, i) => n - (before.counts[i] ?? 0))
  let maxMs = after.maxMs
  if (after.maxMs <= before.maxMs) {
    const top = counts.findLastIndex((n) => n > 0)
    maxMs = top < 0 ? 0 : Math.min(upperBoundMs(top), after.maxMs)
  }
  return {counts, count: after.count - before.count, sumMs: after.sumMs - before.sumMs, maxMs}
}

/** Percentiles as bucket upper bounds (at most ~9% high), capped by the recorded maximum. */
export function summarizeHistogram(h: HistogramSnapshot): HistogramSummary {
  const at = (q: number): number => {
    if (h.count === 0) return 0
    const rank = Math.ceil(q * h.count)
    let seen = 0
    for (let i = 0; i < h.counts.length; i++) {
      seen += h.counts[i]
      if (seen >= rank) return round(Math.min(upperBoundMs(i), h.maxMs))
    }
    return round(h.maxMs)
  }
  return {
    count: h.count,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    p999: at(0.999),
    max: round(h.maxMs),
    mean: h.count === 0 ? 0 : round(h.sumMs / h.count),
  }
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000
