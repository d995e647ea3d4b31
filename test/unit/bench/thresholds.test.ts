import {expect, test} from 'vitest'

import {LoadReport} from '../../../src/bench/report.js'
import {evaluateThresholds, parseThreshold} from '../../../src/bench/thresholds.js'

const latency = {p50: 1, p90: 2, p99: 4.5, p999: 9, max: 12, mean: 1.2}
const report = {
  ops: 1000,
  errors: 3,
  throughput: 500,
  latencyMs: latency,
  operations: {read: {ops: 600, throughput: 300, latencyMs: {...latency, p99: 2}}},
  histograms: {acquire: {...latency, p99: 7}},
} as unknown as LoadReport

test('latency thresholds take units and compare in milliseconds', () => {
  const results = evaluateThresholds(report, ['p99<5ms', 'p99<4000us', 'p999<=0.009s', 'read.p99<3', 'acquire.p99<5ms'].map(parseThreshold))
  expect(results.map((r) => r.passed)).toEqual([true, false, true, true, false])
})

test('count and rate thresholds', () => {
  const results = evaluateThresholds(report, ['errors==0', 'throughput>=500', 'error_rate<0.01'].map(parseThreshold))
  expect(results.map((r) => [r.passed, r.actual])).toEqual([
    [false, 3],
    [true, 500],
    [true, 3 / 1003],
  ])
})

test('malformed thresholds and unknown metrics are rejected with the reason', () => {
  expect(() => parseThreshold('p99 under 5ms')).toThrow(/expected METRIC OP VALUE/)
  expect(() => parseThreshold('latency<5ms')).toThrow(/unknown metric "latency"/)
  expect(() => evaluateThresholds(report, [parseThreshold('write.p99<5ms')])).toThrow(/no operation or histogram "write"/)
})
