import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import * as hdr from 'hdr-histogram-js'
import {afterAll, beforeAll, expect, test} from 'vitest'

import {startTrivialEndpoint, TrivialEndpoint} from '../../../bench/common.js'
import {ALL, readHdrLog} from '../../../src/bench/hdr-log.js'
import {createHistogram, encodeHistogram, Histogram} from '../../../src/core/stats/histogram.js'
import type {LoadReport} from '../../../src/bench/report.js'
import {runCli} from '../cli/run-cli.js'

/** Issue 12: `--hdr-log` on a real run (the CLI in its own process, on two threads, against an endpoint in another). */
let endpoint: TrivialEndpoint
const dir = mkdtempSync(join(tmpdir(), 'dsys-hdr-log-'))

beforeAll(async () => {
  endpoint = await startTrivialEndpoint()
})

afterAll(() => {
  endpoint?.stop()
  rmSync(dir, {recursive: true, force: true})
})

test("bench http --hdr-log writes a log that hdr-histogram-js's own reader decodes to the report's histograms and timeline", async () => {
  const path = join(dir, 'http.hlog')
  // No warmup: every operation is measured, so each second of the timeline is one interval of the log.
  const r = await runCli(['bench', 'http', endpoint.url, '--duration', '2s', '--warmup', '0s', '--clients', '2', '--threads', '2', '--hdr-log', path, '--json'])
  expect(r.code, r.stderr).toBe(0)
  const report = JSON.parse(r.stdout) as LoadReport
  expect(report.ops).toBeGreaterThan(100)

  const reader = new hdr.HistogramLogReader(readFileSync(path, 'utf8'))
  const merged = new Map<string, Histogram>()
  const perSecond: Array<[number, number]> = []
  for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) {
    const tag = h.tag === 'NO TAG' ? ALL : h.tag
    if (!merged.has(tag)) merged.set(tag, createHistogram())
    merged.get(tag)!.add(h)
    if (tag === ALL) perSecond.push([Math.round((h.startTimeStampMsec - reader.baseTimeSec * 1000) / 1000), h.totalCount])
  }
  expect([...merged.keys()].sort()).toEqual([ALL, 'get'])
  expect(merged.get(ALL)!.totalCount).toBe(report.ops)
  expect(encodeHistogram(merged.get(ALL)!).counts).toBe(report.hdrHistograms[ALL])
  expect(encodeHistogram(merged.get('get')!).counts).toBe(report.hdrHistograms.get)
  expect(perSecond).toEqual(report.timeline.map((p) => [p.second, p.ops]))

  const log = readHdrLog(path)
  expect({workload: log.workload, types: log.operationTypes, target: log.target}).toEqual({workload: 'http', types: ['get'], target: endpoint.url})
  expect(log.histograms.get.totalCount).toBe(report.ops)
})

test('--hdr-log into a directory that does not exist is refused before any load: one line, exit 2', async () => {
  const r = await runCli(['bench', 'http', endpoint.url, '--duration', '1s', '--warmup', '0s', '--clients', '1', '--hdr-log', join(dir, 'no', 'such', 'x.hlog')])
  expect(r.code).toBe(2)
  expect(r.stderr.trim().split('\n')).toEqual([`dsys: error: --hdr-log ${join(dir, 'no', 'such', 'x.hlog')}: the directory ${join(dir, 'no', 'such')} does not exist`])
  expect(r.stdout).toBe('')
})
