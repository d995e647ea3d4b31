/**
 * `dsys report --compare A.json B.json …`: bench results of one workload side
 * by side, each metric with its ratio against the first run (B/A) and which
 * way is better, so a person reads "etcd against dsys" or "after against
 * before" at a glance and a CI gate (`regressions`) knows what worse means.
 * Pure: the results come in parsed; the Comparison is plain JSON, which is
 * what `dsys report --compare --json` prints.
 */
import {UsageError} from '../core/common/usage-error.js'
import {
  decodeHdr,
  isSummaryStat,
  percentileMs,
  requireStatName,
  STAT_NAME_HELP,
  SUMMARY_FIELDS,
  StatName,
  statName,
  summaryValue,
} from './compare-metrics.js'
import {ratio} from './compare-ratio.js'
import {BENCH_WORKLOADS, type ReportInput} from './report-input.js'

export {formatComparison} from './compare-format.js'
export {regressions} from './compare-gate.js'

export interface ComparedRun {
  label: string
  target: string
  clients: number
  threads: number
  /** Open loop's ops/s; null for a closed loop. */
  rate: number | null
  durationS: number
  /** The command as typed, when the result carries `run`. */
  command: string | null
  /** Why the run failed; empty when it passed. */
  failures: string[]
}

export type Unit = 'ops/s' | 'ops' | 'errors' | 'fraction' | 'ms'

export interface ComparedMetric {
  /** What `regressions` and `--threshold` call it: `throughput`, `error_rate`, `p99.9`, `read.p99`. */
  name: string
  /** The operation type or histogram it belongs to; null for the whole run. */
  group: string | null
  unit: Unit
  /** Which way is better: throughput 'higher', latency and errors 'lower'. */
  better: 'higher' | 'lower'
  /** One per run, in the order given. */
  values: number[]
  /** values[i] / values[0] (so ratios[0] is 1); null when the first is 0 and this one is not. */
  ratios: Array<number | null>
}

export interface Comparison {
  workload: string
  runs: ComparedRun[]
  metrics: ComparedMetric[]
  /** Why the runs may not compare like for like (different clients, rate, duration, threads; a failed run; a type in some runs only). */
  warnings: string[]
}

export interface CompareOptions {
  /** Statistics to add to the default ones, e.g. `p99.999` or `read.p99.99` (read from hdrHistograms). */
  percentiles?: string[]
}

/** Beyond this a side-by-side table stops being read; the runs are lettered A…Z. */
const MAX_COMPARED = 26

/** One latency group of a run: the whole run, an operation type or a named histogram. */
interface LatencyGroup {
  summary: Record<string, number>
  /** Per operation type only. */
  throughput: number | null
  hdr: string | undefined
}

interface BenchView {
  run: ComparedRun
  workload: string
  ops: number
  errors: number
  throughput: number
  /** Key null: the whole run. */
  groups: Map<string | null, LatencyGroup>
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function field(input: ReportInput, path: string): unknown {
  let v: unknown = input.result
  for (const key of path.split('.')) v = isObject(v) ? v[key] : undefined
  return v
}

function number(input: ReportInput, path: string): number {
  const v = field(input, path)
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new UsageError(`${input.label}: "${path}" is missing or not a number; is it the --json of a dsys bench?`)
  return v
}

function summary(input: ReportInput, path: string): Record<string, number> {
  return Object.fromEntries(SUMMARY_FIELDS.map((k) => [k, number(input, `${path}.${k}`)]))
}

function benchView(input: ReportInput): BenchView {
  const workload = field(input, 'workload')
  if (typeof workload !== 'string') throw new UsageError(`${input.label}: no "workload" field; is it the --json of a dsys bench?`)
  if (!BENCH_WORKLOADS.includes(workload)) {
    throw new UsageError(`${input.label} is a ${workload} result; --compare compares bench results (${BENCH_WORKLOADS.join(', ')})`)
  }
  const hdrHistograms = field(input, 'hdrHistograms')
  const hdrOf = (key: string): string | undefined => (isObject(hdrHistograms) ? (hdrHistograms[key] as string | undefined) : undefined)
  const groups = new Map<string | null, LatencyGroup>([[null, {summary: summary(input, 'latencyMs'), throughput: null, hdr: hdrOf('all')}]])
  const operations = Object.keys((field(input, 'operations') as object | undefined) ?? {})
  // One operation type is the whole run again.
  if (operations.length > 1) {
    for (const type of operations) {
      groups.set(type, {summary: summary(input, `operations.${type}.latencyMs`), throughput: number(input, `operations.${type}.throughput`), hdr: hdrOf(type)})
    }
  }
  for (const name of Object.keys((field(input, 'histograms') as object | undefined) ?? {})) {
    if (!groups.has(name)) groups.set(name, {summary: summary(input, `histograms.${name}`), throughput: null, hdr: hdrOf(name)})
  }
  const rate = field(input, 'rate')
  const failures = field(input, 'failures')
  const command = field(input, 'run.command')
  return {
    workload,
    ops: number(input, 'ops'),
    errors: number(input, 'errors'),
    throughput: number(input, 'throughput'),
    groups,
    run: {
      label: input.label,
      target: String(field(input, 'target') ?? '?'),
      clients: number(input, 'clients'),
      threads: typeof field(input, 'threads') === 'number' ? number(input, 'threads') : 1,
      rate: typeof rate === 'number' ? rate : null,
      durationS: number(input, 'durationS'),
      command: typeof command === 'string' ? command : null,
      failures: Array.isArray(failures) ? failures.map(String) : [],
    },
  }
}

function metric(name: string, group: string | null, unit: Unit, better: 'higher' | 'lower', values: number[]): ComparedMetric {
  return {name, group, unit, better, values, ratios: values.map((v) => ratio(values[0], v))}
}

const quantile = (stat: string): number => (stat.startsWith('p') ? Number(stat.slice(1)) : stat === 'max' ? 101 : 102)

/** The statistics of a group: the summary's, p99.99 when every run has the histogram, and the extra ones asked for; percentiles in order, then max and mean. */
function groupStats(hasHdr: boolean, extra: StatName[]): string[] {
  const stats = new Set<string>(['p50', 'p90', 'p99', 'p99.9', ...(hasHdr ? ['p99.99'] : []), 'max', 'mean', ...extra.map((s) => s.stat)])
  return [...stats].sort((a, b) => quantile(a) - quantile(b))
}

/** A group's statistic in every run: from the summaries, or from each run's histogram (decoded once). */
function statValues(views: BenchView[], group: string | null, stats: string[]): Map<string, number[]> {
  const groups = views.map((v) => v.groups.get(group)!)
  const decoded = stats.every(isSummaryStat) ? [] : groups.map((g, i) => decodeHdr(g.hdr, `${views[i].run.label}: "hdrHistograms.${group ?? 'all'}"`))
  return new Map(
    stats.map((stat) => [
      stat,
      groups.map((g, i) => (isSummaryStat(stat) ? summaryValue(g.summary, stat) : percentileMs(decoded[i], stat, summaryValue(g.summary, 'max')))),
    ]),
  )
}

function latencyMetrics(views: BenchView[], group: string | null, extra: StatName[]): ComparedMetric[] {
  const missing = views.find((v) => v.groups.get(group)!.hdr === undefined)
  for (const s of extra) {
    if (!isSummaryStat(s.stat) && missing) {
      throw new UsageError(`percentile ${statName(s)} needs hdrHistograms in every result and ${missing.run.label} has none for ${group ?? 'all'}; use ${STAT_NAME_HELP}`)
    }
  }
  const prefix = group === null ? '' : `${group}.`
  const values = statValues(views, group, groupStats(missing === undefined, extra))
  const rows = [...values].map(([stat, v]) => metric(`${prefix}${stat}`, group, 'ms', 'lower', v))
  const throughputs = views.map((v) => v.groups.get(group)!.throughput)
  if (group !== null && throughputs.every((t) => t !== null)) rows.unshift(metric(`${prefix}throughput`, group, 'ops/s', 'higher', throughputs as number[]))
  return rows
}

function differences(runs: ComparedRun[]): string[] {
  const shown: Record<string, (r: ComparedRun) => string> = {
    clients: (r) => String(r.clients),
    threads: (r) => String(r.threads),
    rate: (r) => (r.rate === null ? 'closed loop' : `${r.rate} ops/s`),
    duration: (r) => `${r.durationS} s`,
  }
  return Object.entries(shown)
    .filter(([, show]) => new Set(runs.map(show)).size > 1)
    .map(([what, show]) => `the runs differ in ${what} (${runs.map((r) => `${r.label} ${show(r)}`).join(', ')}): not like for like`)
}

/** Compares bench results of one workload against the first; refuses fewer than two, a check or ring churn result, or mixed workloads. */
export function compareResults(inputs: ReportInput[], options: CompareOptions = {}): Comparison {
  if (inputs.length < 2) throw new UsageError(`--compare needs at least 2 results, got ${inputs.length}`)
  if (inputs.length > MAX_COMPARED) throw new UsageError(`--compare takes at most ${MAX_COMPARED} results, got ${inputs.length}`)
  const views = inputs.map(benchView)
  const [first] = views
  const other = views.find((v) => v.workload !== first.workload)
  if (other) {
    throw new UsageError(`${other.run.label} is a ${other.workload} benchmark and ${first.run.label} a ${first.workload} one; compare runs of one workload (e.g. dsys against etcd)`)
  }
  const extra = (options.percentiles ?? []).map((name) => requireStatName(name, 'percentile'))
  const warnings = differences(views.map((v) => v.run))
  for (const v of views) if (v.run.failures.length > 0) warnings.push(`${v.run.label} failed: ${v.run.failures.join('; ')}`)

  const allGroups = [...new Set(views.flatMap((v) => [...v.groups.keys()]))]
  const common = allGroups.filter((g) => views.every((v) => v.groups.has(g)))
  for (const g of allGroups.filter((g) => !common.includes(g))) {
    warnings.push(`${g} is in ${views.filter((v) => v.groups.has(g)).map((v) => v.run.label).join(', ')} only: not compared`)
  }
  for (const s of extra) {
    if (!common.includes(s.group)) throw new UsageError(`percentile ${statName(s)}: "${s.group}" is not in every result; they share ${common.filter((g) => g !== null).join(', ') || 'no operation type'}`)
  }
  const attempts = (v: BenchView): number => v.ops + v.errors
  const metrics = [
    metric('throughput', null, 'ops/s', 'higher', views.map((v) => v.throughput)),
    metric('ops', null, 'ops', 'higher', views.map((v) => v.ops)),
    metric('errors', null, 'errors', 'lower', views.map((v) => v.errors)),
    metric('error_rate', null, 'fraction', 'lower', views.map((v) => (attempts(v) === 0 ? 0 : v.errors / attempts(v)))),
    ...common.flatMap((g) => latencyMetrics(views, g, extra.filter((s) => s.group === g))),
  ]
  return {workload: first.workload, runs: views.map((v) => v.run), metrics, warnings}
}
