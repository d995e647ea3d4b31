/**
 * `--hdr-log FILE`: the run's latency as an HdrHistogram interval log (format
 * V1.3), which HdrHistogram's own tools read (HistogramLogProcessor,
 * HdrHistogramVisualizer), and `readHdrLog` to read one back for `dsys report`.
 *
 * What a dsys log holds:
 * - one interval a second of the measured window only (warmup excluded), so
 *   the log adds up exactly to the report's histograms; interval [t, t+1)
 *   holds the measured operations that ended in that second of the run;
 *   the last interval ends when the last operation did, so its length is
 *   real and a reader dividing by it sees no drop in throughput that did not
 *   happen; timestamps count from the run's start (BaseTime), warmup included;
 * - per second, an untagged line with every operation type together (what
 *   HistogramLogProcessor reads by default) and a `Tag=<type>` line per
 *   operation type (`-tag <type>`), empty histograms included, so every tag
 *   has every interval;
 * - values in microseconds; the Interval_Max column in milliseconds;
 * - successful operations only: errors have no latency here.
 *
 * readHdrLog(path) returns an HdrLog:
 *   {workload, target, operationTypes: string[], startTimeSec,
 *    histograms: Record<'all' | type, Histogram>   (merged over the intervals, microseconds),
 *    intervals: Array<{tag: 'all' | type, startS, lengthS, line, histogram}>}
 */
import {readFileSync} from 'node:fs'

import * as hdr from 'hdr-histogram-js'

import {UsageError} from '../core/common/usage-error.js'
import {writeFileAtomic} from '../runtime/storage/atomic-file.js'
import {createHistogram, decodeHistogram, Histogram} from '../core/stats/histogram.js'
import type {SecondSnapshot} from './recorder.js'

/** The key of the untagged lines: every operation type together. */
export const ALL = 'all'

export interface HdrLogInterval {
  /** ALL for an untagged line, else the operation type. */
  tag: string
  /** Seconds since the run started (BaseTime). */
  startS: number
  lengthS: number
  /** 1-based line of the file. */
  line: number
  /** Microseconds. */
  histogram: Histogram
}

export interface HdrLog {
  workload: string
  target: string
  /** The tags the header names. */
  operationTypes: string[]
  /** When the run started, in seconds since the epoch (interval times count from it). */
  startTimeSec: number
  /** Every interval of a tag added up: ALL plus one per operation type that has intervals. Microseconds. */
  histograms: Record<string, Histogram>
  intervals: HdrLogInterval[]
}

/** What the log is written from: the run's recorder and its identity. */
export interface HdrLogSource {
  workload: string
  target: string
  /** performance.timeOrigin + the run's start on the clock the recorder used. */
  startEpochMs: number
  warmupMs: number
  /** When the last measured operation ended, ms from the run's start: the end of the last interval. */
  lastEndMs: number
  seconds: SecondSnapshot[]
}

const HEADER = {workload: '#[dsys-workload: ', target: '#[dsys-target: ', types: '#[dsys-operation-types: '}
/** The microseconds we record, over the milliseconds people read. */
const MICROS_PER_MS = 1000

/** The log's text. Pure: the caller writes it. */
export function formatHdrLog(source: HdrLogSource): string {
  const types = [...new Set(source.seconds.flatMap((s) => s.measured.map(([type]) => type)))].sort()
  for (const t of types) if (!/^[^\s,]+$/.test(t)) throw new Error(`operation type '${t}' cannot be an HDR log tag (no spaces or commas)`)
  let text = ''
  const writer = new hdr.HistogramLogWriter((chunk) => void (text += chunk))
  writer.outputComment(`dsys bench ${source.workload} against ${source.target}: latency of the measured operations, one tag per operation type`)
  writer.outputComment(`${HEADER.workload.slice(1)}${source.workload}]`)
  writer.outputComment(`${HEADER.target.slice(1)}${source.target}]`)
  writer.outputComment(`${HEADER.types.slice(1)}${types.join(' ')}]`)
  writer.outputComment(`Values are microseconds, Interval_Max milliseconds. In milliseconds: HistogramLogProcessor -i FILE -outputValueUnitRatio ${MICROS_PER_MS} [-tag TYPE]`)
  writer.outputComment(`One interval a second of the measured window (warmup, the first ${(source.warmupMs / 1000).toFixed(3)} s, excluded): the operations that ended in it; untagged lines are all types together`)
  writer.outputLogFormatVersion()
  writer.outputStartTime(source.startEpochMs)
  writer.outputComment(`[BaseTime: ${(source.startEpochMs / 1000).toFixed(3)} (seconds since epoch)]`)
  writer.outputLegend()
  for (let i = Math.floor(source.warmupMs / 1000); i < source.seconds.length; i++) {
    const byType = new Map(source.seconds[i].measured)
    const all = createHistogram()
    const tagged = types.map((type) => {
      const encoded = byType.get(type)
      const h = encoded ? decodeHistogram(encoded) : createHistogram()
      all.add(h)
      h.tag = type
      return h
    })
    // The last second holds only operations sent in the window that ended after it: it is as long as they took.
    const endS = Math.min(i + 1, Math.max(i + 0.001, source.lastEndMs / 1000))
    for (const h of [all, ...tagged]) writer.outputIntervalHistogram(h, i, endS, MICROS_PER_MS)
  }
  return text
}

/** Writes the log whole or not at all (a temporary file renamed over `path`). */
export async function writeHdrLog(path: string, source: HdrLogSource): Promise<void> {
  await writeFileAtomic(path, formatHdrLog(source))
}

const INTERVAL = /^(?:Tag=([^,\s]*),)?(\d+(?:\.\d+)?),(\d+(?:\.\d+)?),(\d+(?:\.\d+)?),([A-Za-z0-9+/]+={0,2})$/
const BASE_TIME = /^#\[BaseTime: (\d+(?:\.\d+)?)/
/** Comment and legend lines every HdrHistogram log writer puts before its intervals. */
const HDR_MARKER = /^#\[(Histogram log format version|StartTime:|BaseTime:)|^"StartTimestamp"/

/**
 * Reads a log dsys wrote (see the top of this file). Anything else is a
 * UsageError naming the file, and the line when one is at fault: not an HDR
 * log, an HDR log without dsys's header, a malformed interval line, a tag
 * that is not one of the header's operation types, a histogram that does not
 * decode. The histograms are decoded by hdr-histogram-js's own
 * HistogramLogReader.
 */
export function readHdrLog(path: string): HdrLog {
  let content: string
  try {
    content = readFileSync(path, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`)
  }
  const lines = content.split(/\r\n|\r|\n/g)
  const header = new Map<string, string>()
  const expected: Array<{line: number; tag: string; startS: number; lengthS: number}> = []
  let isHdr = false
  let baseTimeSec = 0
  lines.forEach((text, i) => {
    const line = i + 1
    if (text === '') return
    if (HDR_MARKER.test(text)) isHdr = true
    if (text.startsWith('#') || text.startsWith('"StartTimestamp"')) {
      for (const [key, prefix] of Object.entries(HEADER)) if (text.startsWith(prefix) && text.endsWith(']')) header.set(key, text.slice(prefix.length, -1))
      const base = BASE_TIME.exec(text)
      if (base) baseTimeSec = Number(base[1])
      return
    }
    const m = INTERVAL.exec(text)
    if (!m) {
      if (!isHdr) throw new UsageError(`${path} is not an HDR histogram log (line ${line} is neither a comment nor an interval)`)
      throw new UsageError(`${path} line ${line}: malformed interval line: expected [Tag=TYPE,]start,length,max,histogram`)
    }
    isHdr = true
    if (!header.has('workload') || !header.has('types')) throw notDsys(path, `line ${line} is an interval with no '${HEADER.workload}…]' header before it`)
    const types = header.get('types')!.split(' ')
    const tag = m[1] ?? ALL
    if (m[1] !== undefined && !types.includes(tag)) {
      throw new UsageError(`${path} line ${line}: tag '${tag}' is not an operation type of bench ${header.get('workload')} (${types.join(', ')})`)
    }
    expected.push({line, tag, startS: Number(m[2]), lengthS: Number(m[3])})
  })
  if (!isHdr) throw new UsageError(`${path} is not an HDR histogram log${content.trim() === '' ? ': it is empty' : ''}`)
  if (!header.has('workload') || !header.has('types')) throw notDsys(path, `no '${HEADER.workload}…]' header`)

  const reader = new hdr.HistogramLogReader(content)
  const histograms: Record<string, Histogram> = {}
  const intervals = expected.map((e): HdrLogInterval => {
    let histogram: Histogram | null
    try {
      histogram = reader.nextIntervalHistogram()
      if (histogram) (histograms[e.tag] ??= createHistogram()).add(histogram)
    } catch (err) {
      throw new UsageError(`${path} line ${e.line}: the histogram does not decode (${(err as Error).message})`)
    }
    // The reader walks the same lines: it stops on the interval we validated.
    if (!histogram || reader.currentLineIndex !== e.line) throw new Error(`${path} line ${e.line}: the HDR log reader lost its place (at line ${reader.currentLineIndex})`)
    return {...e, histogram}
  })
  const types = header.get('types')!
  return {
    workload: header.get('workload')!,
    target: header.get('target') ?? '',
    operationTypes: types === '' ? [] : types.split(' '),
    startTimeSec: baseTimeSec,
    histograms,
    intervals,
  }
}

const notDsys = (path: string, why: string) => new UsageError(`${path} is not a dsys HDR log (${why}): dsys reads the logs its --hdr-log writes`)
