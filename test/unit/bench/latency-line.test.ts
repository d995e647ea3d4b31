import {expect, test} from 'vitest'

import {formatLatencyChart} from '../../../src/bench/latency-line.js'
import type {TimelinePoint} from '../../../src/bench/recorder.js'

/** A run with 1 s of warmup, `p99s` one a measured second, and the second after the window that in-flight operations end in. */
function run(p99s: number[]) {
  const point = (second: number, p99Ms: number, warmup = false): TimelinePoint => ({second, warmup, ops: p99Ms === 0 ? 0 : 100, errors: 0, p50Ms: p99Ms / 2, p99Ms, maxMs: p99Ms * 2})
  return {
    warmupS: 1,
    rate: null,
    durationS: p99s.length,
    timeline: [point(0, 500, true), ...p99s.map((p, i) => point(i + 1, p)), point(p99s.length + 1, 900)],
  }
}

test('the chart shows the p99 of each measured second, its y range labelled in ms, the window under it, and no wider than asked', () => {
  const chart = formatLatencyChart(run([2, 2, 8, 2, 2]), 40)!
  const lines = chart.split('\n')
  expect(lines[0]).toBe('p99 latency (ms), each second of the measured window')
  // Warmup (500 ms) and the second after the window (900 ms) are left out: the range is 0 to 8 ms.
  expect(lines.slice(1, -1).map((l) => l.slice(0, 6))).toEqual(['8.00 ┤', '6.00 ┤', '4.00 ┤', '2.00 ┤', '0.00 ┤'])
  expect(lines.at(-1)).toMatch(/^ {5}1 s +6 s$/)
  for (const l of lines.slice(1)) expect(l.length).toBeLessThanOrEqual(40)
  // The spike is the third of five seconds.
  const top = lines[1].slice(6)
  expect(top.indexOf('╭') / top.length).toBeCloseTo(2 / 5, 1)
})

test('a run longer than the width shows the worst p99 of each group of seconds', () => {
  const p99s = Array.from({length: 300}, (_, i) => (i === 150 ? 50 : 1))
  const chart = formatLatencyChart(run(p99s), 60)!
  const lines = chart.split('\n')
  expect(lines[0]).toBe('p99 latency (ms), the worst of each 6 s of the measured window')
  expect(lines[1]).toMatch(/^50\.00 ┤.*╭╮/)
  for (const l of lines.slice(1)) expect(l.length).toBeLessThanOrEqual(60)
})

test('seconds in which no operation ended are said to show as 0; a window of one second gets no chart', () => {
  expect(formatLatencyChart(run([3, 0, 3]), 40)!.split('\n')[0]).toBe('p99 latency (ms), each second of the measured window; 1 s with no operation done show as 0')
  expect(formatLatencyChart(run([3]), 40)).toBeUndefined()
})
