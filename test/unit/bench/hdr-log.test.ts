import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import * as hdr from 'hdr-histogram-js'
import {afterAll, expect, test} from 'vitest'

import {ALL, formatHdrLog, readHdrLog} from '../../../src/bench/hdr-log.js'
import {createHistogram, encodeHistogram, Histogram} from '../../../src/core/stats/histogram.js'
import {Recorder} from '../../../src/bench/recorder.js'

const dir = mkdtempSync(join(tmpdir(), 'dsys-hdr-log-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const WARMUP_MS = 1000
const START_EPOCH_MS = 1_764_000_000_000

/** 4 s of a run with reads and writes, 1 s of it warmup, one second with no operation at all. */
function recordedRun(): Recorder {
  const r = new Recorder(0, WARMUP_MS)
  for (let i = 0; i < 4000; i++) {
    const at = i
    if (at >= 2000 && at < 3000) continue
    if (i % 50 === 0) r.error('timeout', 'timed out', at >= WARMUP_MS, at)
    else r.ok(i % 4, i % 3 === 0 ? 'read' : 'write', at >= WARMUP_MS, 100 + ((i * 7919) % 30_000), undefined, at)
  }
  return r
}

/** The last operation recordedRun() records ends at 3,999 ms, a millisecond before its fourth second is over. */
const LAST_END_MS = 3_999

function logOf(r: Recorder): string {
  return formatHdrLog({workload: 'kv', target: 'dsys', startEpochMs: START_EPOCH_MS, warmupMs: WARMUP_MS, lastEndMs: LAST_END_MS, seconds: r.seconds()})
}

/** Every interval of the log through hdr-histogram-js's own reader: merged per tag, and the untagged counts per interval start. */
function decodeWithLibrary(log: string): {merged: Map<string, Histogram>; untaggedCounts: Map<number, number>} {
  const reader = new hdr.HistogramLogReader(log)
  const merged = new Map<string, Histogram>()
  const untaggedCounts = new Map<number, number>()
  for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) {
    const tag = h.tag === 'NO TAG' ? ALL : h.tag
    if (!merged.has(tag)) merged.set(tag, createHistogram())
    merged.get(tag)!.add(h)
    if (tag === ALL) untaggedCounts.set(h.startTimeStampMsec - START_EPOCH_MS, h.totalCount)
  }
  return {merged, untaggedCounts}
}

const counts = (h: Histogram | undefined): string | undefined => h && encodeHistogram(h).counts

test("a log dsys writes decodes with hdr-histogram-js's own reader to the recorder's histograms, per tag and untagged, and its timeline's counts", () => {
  const r = recordedRun()
  const {merged, untaggedCounts} = decodeWithLibrary(logOf(r))
  expect([...merged.keys()].sort()).toEqual([ALL, 'read', 'write'])
  expect([ALL, 'read', 'write'].map((t) => merged.get(t)!.totalCount)).toEqual([r.overall, r.byType.get('read')!, r.byType.get('write')!].map((h) => h.totalCount))
  // Bucket for bucket: the same compressed counts as the report's hdrHistograms.
  expect(counts(merged.get(ALL))).toBe(counts(r.overall))
  expect(counts(merged.get('read'))).toBe(counts(r.byType.get('read')))
  expect(counts(merged.get('write'))).toBe(counts(r.byType.get('write')))
  // One interval a second of the measured window, the empty one included, as many operations as the timeline's.
  const measured = r.timeline().filter((p) => !p.warmup)
  expect(measured.map((p) => p.second)).toEqual([1, 2, 3])
  expect([...untaggedCounts]).toEqual(measured.map((p) => [p.second * 1000, p.ops]))
})

test('the header names dsys, the workload and its operation types, the value unit and how to read it', () => {
  const header = logOf(recordedRun())
    .split('\n')
    .filter((l) => l.startsWith('#'))
  expect(header).toEqual(
    expect.arrayContaining([
      '#dsys bench kv against dsys: latency of the measured operations, one tag per operation type',
      '#[dsys-workload: kv]',
      '#[dsys-operation-types: read write]',
      '#Values are microseconds, Interval_Max milliseconds. In milliseconds: HistogramLogProcessor -i FILE -outputValueUnitRatio 1000 [-tag TYPE]',
      '#[Histogram log format version 1.3]',
      `#[BaseTime: ${START_EPOCH_MS / 1000}.000 (seconds since epoch)]`,
    ]),
  )
})

test('readHdrLog gives the merged histograms per tag and every interval with its line', () => {
  const r = recordedRun()
  const path = join(dir, 'ok.hlog')
  writeFileSync(path, logOf(r))
  const log = readHdrLog(path)
  expect({workload: log.workload, target: log.target, types: log.operationTypes, start: log.startTimeSec}).toEqual({workload: 'kv', target: 'dsys', types: ['read', 'write'], start: START_EPOCH_MS / 1000})
  expect(counts(log.histograms[ALL])).toBe(counts(r.overall))
  expect(counts(log.histograms.read)).toBe(counts(r.byType.get('read')))
  // Whole seconds, but the last: it ends when the last operation did (3.999 s), not a second after its start.
  expect(log.intervals.map((i) => [i.tag, i.startS, i.lengthS])).toEqual([1, 2, 3].flatMap((s) => [ALL, 'read', 'write'].map((tag) => [tag, s, s === 3 ? 0.999 : 1])))
  expect(readFileSync(path, 'utf8').split('\n')[log.intervals[0].line - 1]).toMatch(/^1\.000,1\.000,/)
})

/** The log of recordedRun with `edit` applied to its lines, at a fresh path. */
function editedLog(name: string, edit: (lines: string[]) => string[]): string {
  const path = join(dir, name)
  writeFileSync(path, edit(logOf(recordedRun()).split('\n')).join('\n'))
  return path
}

const firstIntervalLine = (lines: string[]): number => lines.findIndex((l) => /^\d/.test(l))

test.each([
  ['not an HDR log', () => writeTo('result.json', '{"workload": "kv"}\n'), /result\.json is not an HDR histogram log \(line 1 is neither a comment nor an interval\)$/],
  ['an empty file', () => writeTo('empty.hlog', ''), /empty\.hlog is not an HDR histogram log: it is empty$/],
  ['a missing file', () => join(dir, 'absent.hlog'), /cannot read .*absent\.hlog: no such file$/],
  ['a log another tool wrote', () => writeTo('other.hlog', otherToolsLog()), /other\.hlog is not a dsys HDR log \(line 3 is an interval with no '#\[dsys-workload: …\]' header before it\): dsys reads the logs its --hdr-log writes$/],
  [
    'a tag that is not an operation type of the workload',
    () => editedLog('tag.hlog', (ls) => ls.map((l) => l.replace(/^Tag=read,/, 'Tag=scan,'))),
    /tag\.hlog line \d+: tag 'scan' is not an operation type of bench kv \(read, write\)$/,
  ],
  [
    'a malformed interval line',
    () => editedLog('malformed.hlog', (ls) => ls.map((l, i) => (i === firstIntervalLine(ls) ? l.replace(/,[^,]*,/, ',x,') : l))),
    /malformed\.hlog line \d+: malformed interval line: expected \[Tag=TYPE,\]start,length,max,histogram$/,
  ],
  [
    'a truncated log',
    () => editedLog('truncated.hlog', (ls) => [...ls.slice(0, -2), ls.at(-2)!.slice(0, -12)]),
    /truncated\.hlog line \d+: the histogram does not decode \(.+\)$/,
  ],
])('readHdrLog refuses %s with one line naming the file (and the line)', (_name, make, message) => {
  const path = make()
  expect(() => readHdrLog(path)).toThrow(expect.objectContaining({name: 'UsageError', message: expect.stringMatching(message)}))
})

function writeTo(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

/** A log as HdrHistogram's own tools write one: no dsys header, a tag of its own. */
function otherToolsLog(): string {
  let text = ''
  const w = new hdr.HistogramLogWriter((c) => void (text += c))
  w.outputLogFormatVersion()
  w.outputLegend()
  const h = createHistogram()
  h.recordValue(1234)
  h.tag = 'gc-pause'
  w.outputIntervalHistogram(h, 0, 1)
  return text
}
