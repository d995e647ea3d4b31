import {expect, test} from 'vitest'

import {Recorder} from '../../../src/bench/recorder.js'

test("each second of the timeline carries the p50, p99 and max of the operations that ended in it, warmup ones included", () => {
  const r = new Recorder(0, 1000)
  // Second 0 (warmup): 1..100 ms; second 1 (measured): 100 × 5 ms and one 80 ms; second 2: nothing; second 3: one error.
  for (let i = 1; i <= 100; i++) r.ok(0, 'read', false, i * 1000, undefined, 10 * i - 5)
  for (let i = 0; i < 100; i++) r.ok(0, 'read', true, 5000, undefined, 1000 + i)
  r.ok(0, 'write', true, 80_000, undefined, 1500)
  r.error('timeout', 'timed out', true, 3500)
  // Percentiles are their bucket's top (within 0.1%), the max exact.
  expect(r.timeline()).toEqual([
    {second: 0, warmup: true, ops: 100, errors: 0, p50Ms: 50.015, p99Ms: 99.007, maxMs: 100},
    {second: 1, warmup: false, ops: 101, errors: 0, p50Ms: 5.003, p99Ms: 5.003, maxMs: 80},
    {second: 2, warmup: false, ops: 0, errors: 0, p50Ms: 0, p99Ms: 0, maxMs: 0},
    {second: 3, warmup: false, ops: 0, errors: 1, p50Ms: 0, p99Ms: 0, maxMs: 0},
  ])
})
