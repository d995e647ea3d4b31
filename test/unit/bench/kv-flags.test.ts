import {expect, test} from 'vitest'

import {kvWorkloadFlags, readsWritesRow} from '../../../src/cli/kv-flags.js'
import type {LoadReport} from '../../../src/bench/report.js'

test('the reads / writes row counts the measured window only', () => {
  const latencyMs = {p50: 1, p90: 1, p99: 1, p999: 1, max: 1, mean: 1}
  // The workload's own counts may include warmup; the row must not.
  const report = {
    reads: 1500,
    writes: 1600,
    operations: {read: {ops: 1200, throughput: 600, latencyMs}, write: {ops: 1300, throughput: 650, latencyMs}},
  } as unknown as LoadReport
  expect(readsWritesRow(report)).toEqual(['reads / writes (measured window)', '1,200 / 1,300'])
  expect(readsWritesRow({operations: {}} as unknown as LoadReport)[1]).toBe('0 / 0')
})

test('the --read-ratio default is one help can show (oclif leaves a falsy default out)', () => {
  expect(kvWorkloadFlags['read-ratio'].default).toBe(0.5)
})
