import {describe, expect, test} from 'vitest'

import {historyTimeline} from '../../../src/core/check/timeline.js'

const op = (process: number, start: number, end: number, type: 'ok' | 'fail' | 'info') => [
  {process, type: 'invoke', f: 'get', time: start},
  {process, type, f: 'get', time: end},
]

describe('historyTimeline', () => {
  test('counts each operation in the second it ended: ok as ops, failed and unknown as errors; latency of the completed ones', () => {
    const events = [...op(1, 100, 110, 'ok'), ...op(1, 200, 230, 'fail'), ...op(2, 150, 1400, 'info'), ...op(1, 2100, 2104, 'ok')].sort((a, b) => a.time - b.time)
    expect(historyTimeline(events)).toEqual([
      {second: 0, warmup: false, ops: 1, errors: 1, p50Ms: 10, p99Ms: 30, maxMs: 30},
      // The unknown outcome counts as an error, not as a latency: it ended when the client gave up.
      {second: 1, warmup: false, ops: 0, errors: 1, p50Ms: 0, p99Ms: 0, maxMs: 0},
      {second: 2, warmup: false, ops: 1, errors: 0, p50Ms: 4, p99Ms: 4, maxMs: 4},
    ])
  })

  test('seconds count from the first event (a lock history records wall-clock time) and skip records that are not operations', () => {
    const t0 = 1_700_000_000_000
    const events = [...op(1, t0, t0 + 1500, 'ok'), {type: 'final', time: t0 + 1600}]
    expect(historyTimeline(events).map((p) => [p.second, p.ops])).toEqual([
      [0, 0],
      [1, 1],
    ])
  })

  test('p50 and p99 are nearest-rank percentiles of the second', () => {
    const events = Array.from({length: 100}, (_, i) => op(i, 0, i + 1, 'ok')).flat()
    expect(historyTimeline(events)[0]).toMatchObject({p50Ms: 50, p99Ms: 99, maxMs: 100})
  })
})
