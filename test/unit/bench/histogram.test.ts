import {expect, test} from 'vitest'

import {createHistogram, recordMicros, summarize} from '../../../src/core/stats/histogram.js'

test('no percentile is above the maximum', () => {
  // 96.001 ms lands in a bucket whose top is 96.063 ms: the percentiles must still not pass the max.
  const h = createHistogram()
  for (let i = 0; i < 1000; i++) recordMicros(h, i < 990 ? 1_000 : 96_001)
  const s = summarize(h)
  expect(s.max).toBe(96.001)
  expect(s.p50).toBe(1)
  expect(s.p999).toBe(96.001)
})
