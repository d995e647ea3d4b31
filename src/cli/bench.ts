import {Command, Flags} from '@oclif/core'

import {formatReport} from '../bench/print-report.js'
import {LoadReport} from '../bench/report.js'
import {LoadOptions, Progress, runLoad} from '../bench/run-load.js'
import {evaluateThresholds, parseThreshold, Threshold} from '../bench/thresholds.js'
import {Workload} from '../bench/workload.js'
import {exitAfterRun} from './base-command.js'
import {durationFlag, positiveIntFlag} from './flags.js'

/** Flags every `dsys bench` command shares. */
export const benchFlags = {
  clients: positiveIntFlag({description: 'concurrent clients (closed loop: each issues operations back to back)', default: 16}),
  duration: durationFlag({description: 'measured time after warmup (e.g. 10s); default 10s unless --ops is given'}),
  ops: positiveIntFlag({description: 'stop after this many measured operations'}),
  warmup: durationFlag({description: 'time excluded from the statistics at the start', default: 1_000}),
  rate: positiveIntFlag({description: 'open loop: total operations per second on a fixed schedule (coordinated-omission corrected)'}),
  threshold: Flags.string({description: "pass/fail condition, repeatable: 'p99<5ms', 'errors==0', 'throughput>=1000', 'read.p99<10ms'", multiple: true}),
}

interface BenchFlags {
  clients: number
  duration?: number
  ops?: number
  warmup: number
  rate?: number
  threshold?: string[]
}

/** Reads the shared flags into harness options; thresholds are parsed up front so a typo fails before the run. */
function loadOptions(flags: BenchFlags): {options: LoadOptions; thresholds: Threshold[]} {
  const thresholds = (flags.threshold ?? []).map(parseThreshold)
  const durationMs = flags.duration ?? (flags.ops === undefined ? 10_000 : undefined)
  return {thresholds, options: {clients: flags.clients, durationMs, ops: flags.ops, warmupMs: flags.warmup, rate: flags.rate, onProgress: progressPrinter()}}
}

/**
 * Runs a workload and reports it: a table (or the JSON document with --json),
 * then the thresholds; a missed threshold is named on stderr and the exit code is 1.
 */
export async function runBenchCommand(
  cmd: Command & {jsonEnabled(): boolean},
  workload: Workload,
  flags: BenchFlags,
  extra: {events?: LoadOptions['events']; rows?: (report: LoadReport) => Array<[string, string | number]>} = {},
): Promise<LoadReport> {
  let prepared: ReturnType<typeof loadOptions>
  try {
    prepared = loadOptions(flags)
  } catch (err) {
    await workload.close()
    throw err
  }
  const report = await runLoad(workload, {...prepared.options, events: extra.events})
  if (prepared.options.onProgress) process.stderr.write('\r\x1b[2K') // clear the progress line
  const results = evaluateThresholds(report, prepared.thresholds)
  if (results.length > 0) report.thresholds = results
  if (!cmd.jsonEnabled()) {
    cmd.log(formatReport(report, extra.rows?.(report) ?? []))
    for (const r of results) cmd.log(`threshold ${r.expression}: ${r.passed ? 'passed' : 'FAILED'} (actual ${+r.actual.toFixed(3)})`)
  }
  const failed = results.filter((r) => !r.passed)
  if (failed.length > 0) {
    process.stderr.write(`thresholds failed: ${failed.map((r) => `${r.expression} (actual ${+r.actual.toFixed(3)})`).join(', ')}\n`)
    exitAfterRun(1)
  }
  return report
}

/** A one-line progress display on stderr, only when stderr is a terminal. */
function progressPrinter(): ((p: Progress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined
  let lastOps = 0
  return (p) => {
    const total = p.totalMs ? ` / ${(p.totalMs / 1000).toFixed(0)}s` : ''
    const opsPerSec = p.ops - lastOps
    lastOps = p.ops
    process.stderr.write(`\r\x1b[2K${(p.elapsedMs / 1000).toFixed(0)}s${total} ${p.warmup ? 'warming up' : `${p.ops} ops (${opsPerSec}/s) ${p.errors} errors`}`)
  }
}
