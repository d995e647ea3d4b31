/**
 * Reading the files `dsys report` renders: a dsys result (what `dsys … --json`
 * printed) or an HDR interval log (what `--hdr-log` wrote), told apart by
 * their content. Anything else is a usage error naming the file, and the line
 * when the JSON is broken.
 */

import {readFileSync} from 'node:fs'
import {basename} from 'node:path'

import * as hdr from 'hdr-histogram-js'

import {ALL, type HdrLog, readHdrLog} from '../bench/hdr-log.js'
import {summarize} from '../core/stats/histogram.js'
import {UsageError} from '../core/common/usage-error.js'
import {findJsonSyntaxError} from './json-syntax.js'
import {BENCH_WORKLOADS as BENCH, type ReportInput} from './report-input.js'

const KINDS = [...BENCH, 'ring-churn', 'check-kv', 'check-lock', 'check-txn']

type Check = [field: string, is: 'number' | 'object' | 'array']

/** The fields each kind must have for the report to draw it. */
function requiredFields(workload: string): Check[] {
  if (BENCH.includes(workload)) return [['ops', 'number'], ['throughput', 'number'], ['latencyMs', 'object']]
  if (workload === 'ring-churn') return [['results', 'array']]
  const check: Check[] = [['faults', 'array']]
  return workload === 'check-txn' ? [...check, ['problems', 'array']] : [...check, ['result', 'object']]
}

const isType = (v: unknown, is: Check[1]) => (is === 'array' ? Array.isArray(v) : is === 'object' ? typeof v === 'object' && v !== null && !Array.isArray(v) : typeof v === 'number')

/** Checks a parsed document is a dsys result the report can draw; `name` is what the errors call it. */
function validateResult(document: unknown, name: string): Record<string, unknown> {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new UsageError(`${name} is not a dsys result: expected a JSON object (the --json output of a dsys bench, check or ring churn)`)
  }
  const result = document as Record<string, unknown>
  const error = result.error as {message?: unknown} | undefined
  if (error && result.workload === undefined) throw new UsageError(`${name} holds a dsys error, not a result: ${String(error.message ?? JSON.stringify(error))}`)
  if (typeof result.workload !== 'string') throw new UsageError(`${name} is not a dsys result: it has no "workload" field`)
  if (!KINDS.includes(result.workload)) throw new UsageError(`${name}: unknown workload "${result.workload}"; dsys results are ${KINDS.join(', ')}`)
  for (const [field, is] of requiredFields(result.workload)) {
    if (!isType(result[field], is)) throw new UsageError(`${name} is not a complete ${result.workload} result: "${field}" is missing or not ${is === 'array' ? 'an array' : `a${is === 'object' ? 'n' : ''} ${is}`}`)
  }
  return result
}

/** Parses and validates the text of a result file. */
export function parseResult(text: string, name: string): Record<string, unknown> {
  if (text.trim() === '') throw new UsageError(`${name} is empty: not a dsys result`)
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch {
    const syntax = findJsonSyntaxError(text)
    throw new UsageError(`${name} line ${syntax?.line ?? 1}: not valid JSON: ${syntax?.reason ?? 'it does not parse'}`)
  }
  return validateResult(document, name)
}

/** An HDR log as a result the report draws: its histograms re-encoded, its untagged intervals as a timeline. */
function hdrLogResult(log: HdrLog): Record<string, unknown> {
  const all = log.intervals.filter((i) => i.tag === ALL)
  return {
    workload: 'hdr-log',
    benchWorkload: log.workload,
    target: log.target,
    tags: Object.keys(log.histograms),
    intervals: all.length,
    // Where the last interval ends: the report leaves out a last one shorter than half a second, as for a bench's timeline.
    endS: all.length > 0 ? all[all.length - 1].startS + all[all.length - 1].lengthS : null,
    hdrHistograms: Object.fromEntries(Object.entries(log.histograms).map(([tag, h]) => [tag, hdr.encodeIntoCompressedBase64(h)])),
    timeline: all.map((i) => {
      const latency = summarize(i.histogram)
      // Operations per second of the interval (dsys writes 1 s intervals; another length is scaled).
      return {second: i.startS, warmup: false, ops: i.histogram.totalCount / (i.lengthS || 1), errors: 0, p50Ms: latency.p50, p99Ms: latency.p99, maxMs: latency.max}
    }),
  }
}

/** A JSON document starts with "{" or "["; anything else is read as an HDR log (whose reader says when it is not one). */
const looksLikeJson = (text: string) => /^\s*[{[]/.test(text)

export function readResultFile(path: string): ReportInput {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}`)
  }
  const label = basename(path)
  if (text.trim() !== '' && !looksLikeJson(text)) return {label, result: hdrLogResult(readHdrLog(path))}
  return {label, result: parseResult(text, path)}
}
