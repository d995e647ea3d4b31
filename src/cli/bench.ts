import {Flags} from '@oclif/core'

import {formatReport} from './print-report.js'
import {openFileLimit} from '../bench/open-files.js'
import {LoadReport} from '../bench/report.js'
import {LoadOptions, LoadProgress, runLoad} from '../bench/run-load.js'
import {checkThresholdMetrics, evaluateThresholds, formatMetric, parseThreshold, Threshold} from '../bench/thresholds.js'
import {runFailures} from '../bench/verdict.js'
import {Workload} from '../bench/workload.js'
import {DsysCommand, exitAfterRun} from './base-command.js'
import {UsageError} from '../core/common/usage-error.js'
import {durationFlag, numberFlag, positiveIntFlag} from './flags.js'
import {progressBar} from './progress.js'
import {checkOutputPath, reportFlag} from './report-output.js'

/** File descriptors kept for everything but the clients' connections (logs, the event loop, a preflight). */
const RESERVED_FILES = 64

/** Flags every `dsys bench` command shares. */
export const benchFlags = {
  clients: positiveIntFlag({description: 'concurrent clients (closed loop: each issues operations back to back)', default: 16}),
  duration: durationFlag({description: 'measured time after warmup (e.g. 10s); default 10s unless --ops is given', min: 1}),
  ops: positiveIntFlag({description: 'stop after this many measured operations'}),
  warmup: durationFlag({description: 'time excluded from the statistics at the start', default: 1_000}),
  rate: positiveIntFlag({description: 'open loop: total operations per second on a fixed schedule, latency from each slot (coordinated-omission corrected)'}),
  threads: positiveIntFlag({description: 'worker threads to spread the clients over, when one driver thread is the bottleneck (see README)', default: 1}),
  'allow-behind-schedule': Flags.boolean({description: 'open loop: pass even when less than 95% of the schedule was sent'}),
  'max-error-rate': numberFlag(0, 1)({description: 'fail the run when more than this fraction of operations failed', default: 0.1}),
  threshold: Flags.string({description: "pass/fail condition, repeatable: 'p99<5ms', 'errors==0', 'throughput>=1000', 'read.p99<10ms'", multiple: true}),
  report: reportFlag,
  'hdr-log': Flags.string({description: 'write the latency as an HdrHistogram interval log to this file (one tag per operation type, microseconds; see README)', helpValue: 'FILE.hlog'}),
}

interface BenchFlags {
  clients: number
  threads: number
  duration?: number
  ops?: number
  warmup: number
  rate?: number
  'allow-behind-schedule': boolean
  'max-error-rate': number
  threshold?: string[]
  'hdr-log'?: string
}

/** Everything that can be refused before the target is touched: each is a usage error (exit 2). */
function prepare(workload: Workload, flags: BenchFlags): {options: LoadOptions; thresholds: Threshold[]} {
  let thresholds: Threshold[]
  try {
    thresholds = (flags.threshold ?? []).map(parseThreshold)
    checkThresholdMetrics(thresholds, workload.metrics)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const files = openFileLimit()
  if (files !== undefined && flags.clients > files - RESERVED_FILES) {
    throw new UsageError(`--clients ${flags.clients} is more than this process may open connections for: the open-file limit (ulimit -n) is ${files}, so at most ${files - RESERVED_FILES} clients`)
  }
  if (flags.threads > flags.clients) throw new UsageError(`--threads ${flags.threads} is more than --clients ${flags.clients}: each thread needs at least one client`)
  if (flags.threads > 1 && !workload.recipe) throw new UsageError(`bench ${workload.name} runs on one thread only`)
  const limit = workload.clientLimit
  if (limit && flags.clients > limit.max) throw new UsageError(`--clients ${flags.clients} is more than the target takes: at most ${limit.max}, because ${limit.why}`)
  checkOutputPath('hdr-log', flags['hdr-log'])
  const durationMs = flags.duration ?? (flags.ops === undefined ? 10_000 : undefined)
  return {thresholds, options: {clients: flags.clients, threads: flags.threads, durationMs, ops: flags.ops, warmupMs: flags.warmup, rate: flags.rate, hdrLog: flags['hdr-log']}}
}

/**
 * Runs a workload and reports it: checks the flags and the target first
 * (nothing is sent when they are wrong), then the run, then a table (or the
 * JSON document with --json) and the verdict: a run with no successes, too
 * many errors, a schedule it could not keep or a missed threshold fails
 * with one line each on stderr and exit code 1.
 */
export async function runBenchCommand(
  cmd: DsysCommand,
  workload: Workload,
  flags: BenchFlags,
  extra: {
    events?: LoadOptions['events']
    rows?: (report: LoadReport) => Array<[string, string | number]>
    /** Work on the target before the clock starts (a preload): runs only once the flags and the preflight passed. */
    setup?: () => Promise<void>
  } = {},
): Promise<LoadReport> {
  let prepared: ReturnType<typeof prepare>
  try {
    prepared = prepare(workload, flags)
    await workload.preflight()
    await extra.setup?.()
  } catch (err) {
    await workload.close()
    // A preflight failure is the run failing: exit 1, its message in one line (errors.ts).
    throw err
  }
  const progress = benchProgress(prepared.options.durationMs, prepared.options.warmupMs, prepared.options.ops)
  let report: LoadReport
  try {
    report = await runLoad(workload, {...prepared.options, events: extra.events, onProgress: progress.onProgress})
  } finally {
    progress.stop()
  }
  const results = evaluateThresholds(report, prepared.thresholds)
  if (results.length > 0) report.thresholds = results
  report.failures = runFailures(report, {maxErrorRate: flags['max-error-rate'], allowBehindSchedule: flags['allow-behind-schedule']})
  report.run = cmd.describeRun()
  if (!cmd.jsonEnabled()) {
    cmd.log(formatReport(report, extra.rows?.(report) ?? [], {latencyChart: process.stdout.isTTY === true}))
    for (const r of results) cmd.log(`threshold ${r.expression}: ${r.passed ? 'passed' : 'FAILED'} (actual ${formatMetric(r.metric, r.actual)})`)
  }
  const failed = results.filter((r) => !r.passed)
  if (failed.length > 0) report.failures.push(`thresholds failed: ${failed.map((r) => `${r.expression} (actual ${formatMetric(r.metric, r.actual)})`).join(', ')}`)
  await cmd.writeReport(report)
  for (const f of report.failures) process.stderr.write(`run failed: ${f}\n`)
  if (report.failures.length > 0) exitAfterRun(1)
  return report
}

/** A progress bar on stderr, only when stderr is a terminal: seconds gone (or operations, with --ops), operations and errors so far. */
function benchProgress(durationMs: number | undefined, warmupMs: number, ops: number | undefined): {onProgress: (p: LoadProgress) => void; stop(): void} {
  const byTime = durationMs !== undefined
  const total = byTime ? Math.round((warmupMs + durationMs) / 1000) : ops!
  const bar = progressBar(`bench [{bar}] {value}/{total} ${byTime ? 's' : 'ops'} | {phase} | {ops} ops, {rate}/s | {errors} errors`, total, {phase: 'warming up', ops: 0, rate: 0, errors: 0})
  let lastOps = 0
  return {
    onProgress(p) {
      const rate = p.ops - lastOps
      lastOps = p.ops
      bar.update(byTime ? Math.min(total, Math.floor(p.elapsedMs / 1000)) : Math.min(total, p.ops), {phase: p.warmup ? 'warming up' : 'measuring', ops: p.ops, rate, errors: p.errors})
    },
    stop: () => bar.stop(),
  }
}
