import {expect, test} from 'vitest'

import {BucketHistogram, histogramSince, summarizeHistogram} from '../../../src/core/stats/bucket-histogram.js'

test("a window's maximum is its own, not the node's lifetime maximum", () => {
  const h = new BucketHistogram()
  h.record(300) // an earlier run's outlier
  const before = h.snapshot()
  for (const ms of [2, 3, 5]) h.record(ms)
  const window = summarizeHistogram(histogramSince(h.snapshot(), before))
  expect(window.count).toBe(3)
  expect(window.max).toBeGreaterThanOrEqual(5)
  expect(window.max).toBeLessThan(5 * 1.1) // the top of 5's bucket
})

test('a window that set a new maximum reports it exactly', () => {
  const h = new BucketHistogram()
  h.record(3)
  const before = h.snapshot()
  h.record(7.25)
  expect(summarizeHistogram(histogramSince(h.snapshot(), before)).max).toBe(7.25)
})

test('an empty window has no maximum', () => {
  const h = new BucketHistogram()
  h.record(3)
  const before = h.snapshot()
  expect(summarizeHistogram(histogramSince(h.snapshot(), before))).toMatchObject({count: 0, max: 0, p999: 0})
})

test('no percentile of a window exceeds its maximum', () => {
  const h = new BucketHistogram()
  h.record(300)
  const before = h.snapshot()
  for (let i = 1; i <= 1000; i++) h.record(i / 100)
  const s = summarizeHistogram(histogramSince(h.snapshot(), before))
  for (const p of [s.p50, s.p90, s.p99, s.p999]) expect(p).toBeLessThanOrEqual(s.max)
})
