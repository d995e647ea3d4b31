import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, expect, test} from 'vitest'

import {formatHdrLog} from '../../../src/bench/hdr-log.js'
import {Recorder} from '../../../src/bench/recorder.js'
import type {XYChart} from '../../../src/report/html/chart-spec.js'
import {hdrLogSection} from '../../../src/report/html/hdr-log-section.js'
import {readResultFile} from '../../../src/report/result-file.js'

const dir = mkdtempSync(join(tmpdir(), 'dsys-hdr-log-section-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

test("a log's last interval, cut short by the run's end, is left out of the timeline, as a bench's last partial second is", () => {
  // 3 s measured after 1 s of warmup, one operation a millisecond; the last ended 20 ms after the window.
  const r = new Recorder(0, 1000)
  for (let at = 1000; at < 4020; at++) r.ok(0, 'get', true, 1000, undefined, at)
  const path = join(dir, 'run.hlog')
  writeFileSync(path, formatHdrLog({workload: 'kv', target: 'dsys', startEpochMs: 0, warmupMs: 1000, lastEndMs: 4019, seconds: r.seconds()}))

  const {result} = readResultFile(path)
  const throughput = hdrLogSection({label: 'run.hlog', result}, 'h').charts[0] as XYChart
  expect(result.intervals).toBe(4)
  expect(throughput.x).toEqual([1.5, 2.5, 3.5])
  expect(throughput.series[0].values).toEqual([1000, 1000, 1000])
})
