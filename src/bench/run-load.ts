import {realEnv} from '../runtime/env/real-env.js'
import {sleep} from '../runtime/env/sleep.js'
import type {Timer} from '../runtime/env/env.js'
import {drive, DrivePlan, DriveResult} from './drive.js'
import {ALL, writeHdrLog} from './hdr-log.js'
import {encodeHistogram, summarize} from '../core/stats/histogram.js'
import {Recorder} from './recorder.js'
import {LoadReport} from './report.js'
import type {LoadClock} from './slot-timer.js'
import {startThreads} from './threads.js'
import type {Workload, WorkloadRecipe} from './workload.js'

export interface LoadOptions {
  clients: number
  /** Measured time after warmup; the run stops at whichever of durationMs and ops comes first. */
  durationMs?: number
  /** Operations to issue after warmup. */
  ops?: number
  warmupMs: number
  /** Open loop: total operations per second on a fixed schedule; closed loop when undefined. */
  rate?: number
  /** Worker threads to spread the clients over (default 1: this thread); needs the workload's recipe. */
  threads?: number
  /** Called about once a second while the run goes on (progress display). */
  onProgress?: (p: LoadProgress) => void
  /** Actions at a time into the run (e.g. add a node at 5 s); their outcome lands in the report's events. */
  events?: Array<{atMs: number; name: string; run: () => Promise<Record<string, unknown>>}>
  /** Where to write the run's HdrHistogram interval log (see hdr-log.ts); none when undefined. */
  hdrLog?: string
  /** The clock and timers of this thread: the real ones unless a test simulates them (worker threads always run on the real ones). */
  clock?: LoadClock
}

export interface LoadProgress {
  elapsedMs: number
  totalMs: number | undefined
  ops: number
  errors: number
  warmup: boolean
}

/**
 * Drives a workload (see drive() for closed and open loop) and builds its
 * report. The measured window is the one asked for: events (a node added, a
 * coordinator killed) run beside the load and never stretch it; one that is
 * still going when the window closes is awaited and reported with its own
 * duration.
 */
export async function runLoad(workload: Workload, opts: LoadOptions): Promise<LoadReport> {
  if (opts.durationMs === undefined && opts.ops === undefined) throw new Error('a run needs a duration or an operation count')
  const threads = opts.threads ?? 1
  const clock = opts.clock ?? realEnv()
  const plan = {warmupMs: opts.warmupMs, durationMs: opts.durationMs, ops: opts.ops, rate: opts.rate, totalClients: opts.clients}
  try {
    const driver = threads > 1 ? await startThreads(clock, recipeOf(workload), plan, threads) : await inProcess(clock, workload, plan)
    // Every thread starts from this instant; times below are this thread's clock.now().
    const startMs = clock.now()
    const startEpochMs = clock.wallNow()
    const recorder = new Recorder(startMs, opts.warmupMs)
    const window = measureWindow(clock, startMs, opts, workload)
    const events = startEvents(clock, startMs, opts)
    const progress = opts.onProgress && progressTimer(clock, startMs, opts, driver.counts ?? (() => recorder))
    let measured: DriveResult
    try {
      measured = await driver.run(startEpochMs, recorder)
    } catch (err) {
      events.cancel()
      throw err
    } finally {
      progress?.cancel()
    }
    const cpu = await window.end()
    const report = buildReport(workload, opts, threads, recorder, measured, cpu, startMs)
    if (opts.hdrLog !== undefined) {
      await writeHdrLog(opts.hdrLog, {workload: workload.name, target: workload.target, startEpochMs, warmupMs: opts.warmupMs, lastEndMs: measured.lastEndMs - startMs, seconds: recorder.seconds()})
    }
    report.events = await events.settle(startMs + opts.warmupMs + report.durationS * 1000)
    Object.assign(report, (await workload.summarize?.(report)) ?? {})
    return report
  } finally {
    await workload.close()
  }
}

function recipeOf(workload: Workload): WorkloadRecipe {
  if (!workload.recipe) throw new Error(`the ${workload.name} workload runs on one thread only`)
  return workload.recipe
}

/** One thread: this one. */
async function inProcess(clock: LoadClock, workload: Workload, plan: Omit<DrivePlan, 'startEpochMs'>) {
  const operations = await Promise.all(Array.from({length: plan.totalClients}, (_, i) => workload.createClient(i)))
  let claimed = 0
  const claim = (): boolean => plan.ops === undefined || claimed++ < plan.ops
  return {
    counts: undefined,
    run: (startEpochMs: number, recorder: Recorder) => drive(clock, operations, 0, {...plan, startEpochMs}, claim, recorder),
  }
}

/**
 * The start of the measured window on this thread: the workload's
 * beginMeasurement (servers' counters) and the driver's CPU (the whole
 * process, every thread), from the end of warmup to the last operation's end.
 */
function measureWindow(clock: LoadClock, startMs: number, opts: LoadOptions, workload: Workload) {
  let at: {usage: NodeJS.CpuUsage; ms: number} | undefined
  let began: Promise<void> | undefined
  const mark = () => {
    at = {usage: process.cpuUsage(), ms: clock.now()}
    began = workload.beginMeasurement?.()
  }
  const timer = opts.warmupMs > 0 ? clock.setTimer(startMs + opts.warmupMs - clock.now(), mark) : (mark(), undefined)
  return {
    async end(): Promise<{micros: number; wallMs: number}> {
      timer?.cancel()
      await began
      if (!at) return {micros: 0, wallMs: 0}
      const cpu = process.cpuUsage(at.usage)
      return {micros: cpu.user + cpu.system, wallMs: clock.now() - at.ms}
    },
  }
}

function startEvents(clock: LoadClock, startMs: number, opts: LoadOptions) {
  let cancelled = false
  const runs = (opts.events ?? []).map(async (e): Promise<Record<string, unknown> | undefined> => {
    await sleep(clock, startMs + e.atMs - clock.now())
    if (cancelled) return undefined
    const began = clock.now()
    const atS = (began - startMs) / 1000
    try {
      const outcome = await e.run()
      return {name: e.name, atS, ...outcome, endedMs: clock.now()}
    } catch (err) {
      return {name: e.name, atS, error: (err as Error).message, endedMs: clock.now()}
    }
  })
  return {
    /** The run failed: events not yet due never run. */
    cancel: () => void (cancelled = true),
    /** Waits for the events that began; those not yet due when the window closed never run. */
    async settle(windowEndMs: number): Promise<Array<Record<string, unknown>>> {
      cancelled = true
      const done = (await Promise.all(runs)).filter((e) => e !== undefined)
      return done.map(({endedMs, ...e}) => {
        const ended = endedMs as number
        const tookS = (ended - startMs) / 1000 - (e.atS as number)
        return ended > windowEndMs ? {...e, tookS, outlastedRun: true} : {...e, tookS}
      })
    },
  }
}

/** Reports progress every second until cancelled. */
function progressTimer(clock: LoadClock, startMs: number, opts: LoadOptions, counts: () => {ops: number; errors: number}): Timer {
  let timer: Timer
  const report = () => {
    timer = clock.setTimer(1000, report)
    const {ops, errors} = counts()
    const now = clock.now()
    opts.onProgress!({
      elapsedMs: now - startMs,
      totalMs: opts.durationMs === undefined ? undefined : opts.warmupMs + opts.durationMs,
      ops,
      errors,
      warmup: now - startMs < opts.warmupMs,
    })
  }
  timer = clock.setTimer(1000, report)
  return {cancel: () => timer.cancel()}
}

function buildReport(workload: Workload, opts: LoadOptions, threads: number, rec: Recorder, run: DriveResult, cpu: {micros: number; wallMs: number}, startMs: number): LoadReport {
  const windowMs = opts.durationMs ?? Math.max(1, run.lastEndMs - (startMs + opts.warmupMs))
  const durationS = windowMs / 1000
  const operations = Object.fromEntries(
    [...rec.byType.entries()].map(([type, h]) => [type, {ops: h.totalCount, throughput: h.totalCount / durationS, latencyMs: summarize(h)}]),
  )
  const open = opts.rate !== undefined
  const scheduled = opts.durationMs === undefined ? (opts.ops ?? 0) : run.scheduled
  const uncorrected = summarize(rec.uncorrected)
  return {
    workload: workload.name,
    target: workload.target,
    clients: opts.clients,
    threads,
    durationS,
    warmupS: opts.warmupMs / 1000,
    ops: rec.ops,
    errors: rec.errors,
    errorsByKind: Object.fromEntries(rec.errorsByKind),
    errorSamples: Object.fromEntries(rec.errorSamples),
    firstUnexpectedError: run.unexpected === undefined ? undefined : String((run.unexpected as Error)?.stack ?? run.unexpected),
    throughput: rec.ops / durationS,
    latencyMs: summarize(rec.overall),
    rate: opts.rate ?? null,
    coordinatedOmissionCorrected: open,
    uncorrectedLatencyMs: open ? uncorrected : null,
    schedule: open
      ? {
          requestedRate: opts.rate!,
          achievedRate: run.issued / durationS,
          scheduled,
          issued: run.issued,
          notIssued: Math.max(0, scheduled - run.issued),
          lagMs: summarize(rec.lagMicros),
          clientsNeeded: Math.ceil((opts.rate! * uncorrected.mean) / 1000),
        }
      : null,
    operations,
    histograms: Object.fromEntries([...rec.named.entries()].map(([name, h]) => [name, summarize(h)])),
    hdrHistograms: Object.fromEntries([[ALL, rec.overall] as const, ...rec.byType].map(([name, h]) => [name, encodeHistogram(h).counts])),
    counters: Object.fromEntries(rec.counters),
    perClientOps: Array.from({length: opts.clients}, (_, i) => rec.perClient[i] ?? 0),
    timeline: rec.timeline(),
    events: [],
    driver: {cpuPercentOfOneCore: cpu.wallMs > 0 ? cpu.micros / 10 / cpu.wallMs : 0, cpuMicrosPerOp: rec.ops + rec.errors > 0 ? cpu.micros / (rec.ops + rec.errors) : 0},
    failures: [],
  }
}
