import {expect, test} from 'vitest'

import {formatHdrLog} from '../../../src/bench/hdr-log.js'
import {summarize} from '../../../src/core/stats/histogram.js'
import {Recorder} from '../../../src/bench/recorder.js'
import {sliceClients} from '../../../src/bench/threads.js'

test('clients are split over threads in contiguous slices that cover each client once', () => {
  expect(sliceClients(10, 3)).toEqual([
    {first: 0, count: 4},
    {first: 4, count: 3},
    {first: 7, count: 3},
  ])
  expect(sliceClients(2, 2)).toEqual([
    {first: 0, count: 1},
    {first: 1, count: 1},
  ])
})

test("threads' recorders merge exactly: the same percentiles, counts and timeline as one recorder that saw everything", () => {
  const one = new Recorder(0, 1000)
  const parts = [new Recorder(0, 1000), new Recorder(0, 1000)]
  for (let i = 0; i < 5000; i++) {
    const client = i % 7
    const at = (i * 3000) / 5000
    const latency = 100 + ((i * 7919) % 20_000)
    const part = parts[client % 2]
    for (const r of [one, part]) {
      if (i % 10 === 0) r.error(i % 20 === 0 ? 'timeout' : 'http-500', `error ${i}`, at >= 1000, at)
      else r.ok(client, i % 3 === 0 ? 'read' : 'write', at >= 1000, latency, latency / 2, at)
      r.record('inner', latency / 3, at >= 1000)
      r.count('things', 2, at >= 1000)
    }
  }
  const merged = new Recorder(0, 1000)
  for (const p of parts) merged.absorb(p.snapshot())
  expect([merged.ops, merged.errors]).toEqual([one.ops, one.errors])
  expect(summarize(merged.overall)).toEqual(summarize(one.overall))
  expect(summarize(merged.uncorrected)).toEqual(summarize(one.uncorrected))
  expect(summarize(merged.byType.get('read')!)).toEqual(summarize(one.byType.get('read')!))
  expect(summarize(merged.named.get('inner')!)).toEqual(summarize(one.named.get('inner')!))
  expect(Object.fromEntries(merged.counters)).toEqual(Object.fromEntries(one.counters))
  expect(Object.fromEntries(merged.errorsByKind)).toEqual(Object.fromEntries(one.errorsByKind))
  expect(merged.perClient).toEqual(one.perClient)
  expect(merged.timeline()).toEqual(one.timeline())
  // The HDR log's intervals too: every second's measured histograms per operation type.
  const log = (r: Recorder) => formatHdrLog({workload: 'kv', target: 'dsys', startEpochMs: 0, warmupMs: 1000, lastEndMs: 4000, seconds: r.seconds()})
  expect(log(merged)).toBe(log(one))
})
