import {readFileSync} from 'node:fs'

import * as hdr from 'hdr-histogram-js'
import {describe, expect, it} from 'vitest'

import {UsageError} from '../../../src/core/common/usage-error.js'
import {compareResults, formatComparison, regressions} from '../../../src/report/compare.js'
import type {ReportInput} from '../../../src/report/report-input.js'

/** Real `--json` results (2 s runs, timeline trimmed): dsys's Raft KV against etcd, dsys's lock server against Redis. */
const fixture = (name: string): ReportInput => ({
  label: `${name}.json`,
  result: JSON.parse(readFileSync(new URL(`../../fixtures/compare/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>,
})
const [kvDsys, kvEtcd, lockDsys, lockRedis] = ['kv-dsys', 'kv-etcd', 'lock-dsys', 'lock-redis'].map(fixture)

/** A copy of a fixture with some fields replaced. */
const variant = (base: ReportInput, label: string, fields: Record<string, unknown>): ReportInput => ({label, result: {...structuredClone(base.result), ...fields}})
const metric = (c: ReturnType<typeof compareResults>, name: string) => c.metrics.find((m) => m.name === name)!

describe('compareResults', () => {
  it('puts each metric of the later runs as a ratio B/A against the first, saying which way is better', () => {
    const c = compareResults([kvDsys, kvEtcd])
    const throughput = metric(c, 'throughput')
    expect(throughput).toMatchObject({better: 'higher', unit: 'ops/s', values: [kvDsys.result.throughput, kvEtcd.result.throughput]})
    expect(throughput.ratios[1]).toBeCloseTo((kvEtcd.result.throughput as number) / (kvDsys.result.throughput as number), 9)
    expect(metric(c, 'p99')).toMatchObject({better: 'lower', unit: 'ms', values: [(kvDsys.result.latencyMs as {p99: number}).p99, (kvEtcd.result.latencyMs as {p99: number}).p99]})
    expect(metric(c, 'errors').better).toBe('lower')
    expect(c.runs.map((r) => r.target)).toEqual(['dsys', kvEtcd.result.target])
  })

  it('compares each operation type present in every run, with its own throughput', () => {
    const names = compareResults([kvDsys, kvEtcd]).metrics.map((m) => m.name)
    expect(names).toEqual(expect.arrayContaining(['read.throughput', 'read.p50', 'read.p99.9', 'write.max', 'write.mean']))
  })

  it('reads percentiles beyond the summary from the runs hdrHistograms: p99.99 by default, others when asked', () => {
    const c = compareResults([kvDsys, kvEtcd], {percentiles: ['read.p99.999']})
    const decoded = hdr.decodeFromCompressedBase64((kvEtcd.result.hdrHistograms as Record<string, string>).read)
    const maxMs = (kvEtcd.result.operations as {read: {latencyMs: {max: number}}}).read.latencyMs.max
    expect(metric(c, 'read.p99.999').values[1]).toBe(Math.min(decoded.getValueAtPercentile(99.999) / 1000, maxMs))
    expect(metric(c, 'p99.99')).toBeDefined()
  })

  it('reads a named percentile from a hand-made histogram, bounded by the exact maximum', () => {
    const h = hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3})
    // 1 ms for most, 1.5 ms from p99.98, 3 ms from p99.995; 3000 µs lies in the bucket [3000, 3001].
    h.recordValueWithCount(1000, 99_980)
    h.recordValueWithCount(1500, 15)
    h.recordValueWithCount(3000, 5)
    const latencyMs = {p50: 1, p90: 1, p99: 1, p999: 1, max: 3, mean: 1}
    const made = (label: string): ReportInput => variant(lockDsys, label, {latencyMs, hdrHistograms: {all: hdr.encodeIntoCompressedBase64(h)}})
    const c = compareResults([made('a'), made('b')], {percentiles: ['p99.99', 'p100']})
    expect(metric(c, 'p99.99').values).toEqual([1.5, 1.5])
    expect(h.getValueAtPercentile(100)).toBe(3001)
    expect(metric(c, 'p100').values).toEqual([3, 3])
  })

  it('refuses a percentile the summaries lack when a run has no hdrHistograms, naming the run', () => {
    const old = variant(lockDsys, 'old.json', {hdrHistograms: undefined})
    expect(() => compareResults([lockDsys, old], {percentiles: ['p99.99']})).toThrow(/p99\.99 needs hdrHistograms in every result and old\.json has none/)
    expect(compareResults([lockDsys, old]).metrics.map((m) => m.name)).not.toContain('p99.99')
  })

  it('refuses an asked percentile of an operation type not in every run, naming the ones they share', () => {
    expect(() => compareResults([kvDsys, kvEtcd], {percentiles: ['scan.p99']})).toThrow(new UsageError('percentile scan.p99: "scan" is not in every result; they share write, read'))
  })

  it('refuses a histogram that does not decode, naming the file and key', () => {
    const garbled = variant(kvEtcd, 'garbled.json', {hdrHistograms: {...(kvEtcd.result.hdrHistograms as object), read: 'not base64 at all'}})
    expect(() => compareResults([kvDsys, garbled])).toThrow(/^garbled\.json: "hdrHistograms\.read" is not an HdrHistogram encoding \(compressed base64\)/)
  })

  it('refuses fewer than two results, a check, ring churn, and two different workloads', () => {
    const check: ReportInput = {label: 'check.json', result: {workload: 'check-kv', valid: true}}
    expect(() => compareResults([kvDsys])).toThrow(new UsageError('--compare needs at least 2 results, got 1'))
    expect(() => compareResults([kvDsys, check])).toThrow(/check\.json is a check-kv result; --compare compares bench results/)
    expect(() => compareResults([{label: 'churn.json', result: {workload: 'ring-churn'}}, kvDsys])).toThrow(/churn\.json is a ring-churn result/)
    expect(() => compareResults([kvDsys, lockDsys])).toThrow(/lock-dsys\.json is a lock benchmark and kv-dsys\.json a kv one/)
  })

  it('refuses a result without the numbers it compares, naming the file and field', () => {
    const broken = variant(kvDsys, 'broken.json', {latencyMs: {p50: 1}})
    expect(() => compareResults([kvDsys, broken])).toThrow(new UsageError('broken.json: "latencyMs.p90" is missing or not a number; is it the --json of a dsys bench?'))
  })

  it('warns when the runs differ in clients, rate, duration or threads, when a run failed, and when a type is in some runs only', () => {
    const other = variant(kvDsys, 'other.json', {clients: 64, rate: 1000, failures: ['error rate 20% is above --max-error-rate 10%'], operations: {}})
    const c = compareResults([kvDsys, other])
    expect(c.warnings).toEqual([
      'the runs differ in clients (kv-dsys.json 16, other.json 64): not like for like',
      'the runs differ in rate (kv-dsys.json closed loop, other.json 1000 ops/s): not like for like',
      'other.json failed: error rate 20% is above --max-error-rate 10%',
      'write is in kv-dsys.json only: not compared',
      'read is in kv-dsys.json only: not compared',
    ])
    expect(compareResults([kvDsys, kvEtcd]).warnings).toEqual([])
  })

  it('is plain JSON, as report --compare --json prints it', () => {
    const c = compareResults([lockDsys, lockRedis])
    expect(JSON.parse(JSON.stringify(c))).toEqual(c)
  })
})

describe('formatComparison', () => {
  it('shows three runs side by side within 100 columns, each ratio marked better or worse', () => {
    const slower = variant(lockDsys, 'slower.json', {throughput: (lockDsys.result.throughput as number) / 2})
    const text = formatComparison(compareResults([lockDsys, lockRedis, slower]))
    const lines = text.split('\n')
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100)
    expect(lines[0]).toBe('lock benchmark, 3 runs; ratios are against A')
    expect(lines[1]).toMatch(/^A {2}lock-dsys\.json: against http:\/\/127\.0\.0\.1:\d+, 16 clients, closed loop, 2 s measured$/)
    expect(text).toMatch(/│ metric +│ A +│ B +│ B\/A +│ C +│ C\/A +│/)
    expect(lines.find((l) => l.startsWith('│ throughput'))).toMatch(/│ 0\.50× worse +│$/)
  })

  it('prints the warnings under the table', () => {
    const text = formatComparison(compareResults([kvDsys, variant(kvDsys, 'more.json', {clients: 64})]))
    expect(text.split('\n').at(-1)).toBe('warning: the runs differ in clients (kv-dsys.json 16, more.json 64): not like for like')
  })
})

describe('regressions', () => {
  const halved = variant(kvDsys, 'after.json', {throughput: (kvDsys.result.throughput as number) * 0.8})
  const c = compareResults([kvDsys, halved, kvDsys])

  it('names each later run worse than the first by more than the limit, on throughput and the named percentiles', () => {
    expect(regressions(c, {failIfWorsePct: 10, percentiles: ['p99']})).toEqual([
      `after.json: throughput ${(0.8 * (kvDsys.result.throughput as number)).toLocaleString('en-US', {minimumFractionDigits: 1, maximumFractionDigits: 1})} ops/s against ${(kvDsys.result.throughput as number).toLocaleString('en-US', {minimumFractionDigits: 1, maximumFractionDigits: 1})} ops/s in kv-dsys.json, 20.0% worse (limit 10%)`,
    ])
    expect(regressions(c, {failIfWorsePct: 25, percentiles: ['p99']})).toEqual([])
  })

  it('gates a latency percentile of one operation type, where higher is worse', () => {
    const c2 = compareResults([kvEtcd, kvDsys])
    const lines = regressions(c2, {failIfWorsePct: 0, percentiles: ['read.p99', 'p999']})
    expect(lines.some((l) => l.startsWith('kv-dsys.json: read.p99 '))).toBe(true)
    expect(lines.some((l) => l.startsWith('kv-dsys.json: p99.9 '))).toBe(true)
    expect(regressions(compareResults([kvDsys, kvEtcd]), {failIfWorsePct: 0, percentiles: ['read.p99']})).toEqual([])
  })

  it('refuses an unknown percentile with the valid choices, and one the comparison lacks with the ones it has', () => {
    expect(() => regressions(c, {failIfWorsePct: 5, percentiles: ['p99x']})).toThrow(/--fail-if-worse: "p99x" is not a latency percentile; use p50, p90, p99, p99\.9, max, mean/)
    expect(() => regressions(c, {failIfWorsePct: 5, percentiles: ['scan.p99']})).toThrow(/--fail-if-worse: these results have no scan\.p99; choose from p50, p90/)
    expect(() => regressions(c, {failIfWorsePct: -1, percentiles: []})).toThrow(UsageError)
  })
})
