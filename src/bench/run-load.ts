import {performance} from 'node:perf_hooks'
import {setTimeout as sleep} from 'node:timers/promises'

import {summarize} from './histogram.js'
import {Recorder} from './recorder.js'
import {LoadReport} from './report.js'
import {OpContext, OpError, Operation, Workload} from './workload.js'

export interface LoadOptions {
  clients: number
  /** Measured time after warmup; the run stops at whichever of durationMs and ops comes first. */
  durationMs?: number
  /** Operations to issue after warmup. */
  ops?: number
  warmupMs: number
  /** Open loop: total operations per second on a fixed schedule; closed loop when undefined. */
  rate?: number
  /** Called about once a second while the run goes on (progress display). */
  onProgress?: (p: Progress) => void
  /** Actions at a time into the run (e.g. add a node at 5 s); their outcome lands in the report's events. */
  events?: Array<{atMs: number; name: string; run: () => Promise<Record<string, unknown>>}>
}

export interface Progress {
  elapsedMs: number
  totalMs: number | undefined
  ops: number
  errors: number
  warmup: boolean
}

/**
 * Drives a workload. Closed loop: each client issues operations back to back.
 * Open loop (`rate`): each client owns a slice of a fixed schedule, as in
 * wrk2, and latency is measured from each operation's intended start, so a
 * stalled server shows up as latency instead of as silently fewer requests
 * (coordinated omission).
 */
export async function runLoad(workload: Workload, opts: LoadOptions): Promise<LoadReport> {
  if (opts.durationMs === undefined && opts.ops === undefined) throw new Error('a run needs a duration or an operation count')
  const clients = await Promise.all(Array.from({length: opts.clients}, (_, i) => workload.createClient(i)))

  const startMs = performance.now()
  const rec = new Recorder(startMs, opts.warmupMs)
  const endMs = opts.durationMs === undefined ? Infinity : startMs + opts.warmupMs + opts.durationMs
  let measuredIssued = 0
  let stopped = false
  // The driver's CPU from the first measured operation on.
  let cpuAtMeasureStart: {usage: NodeJS.CpuUsage; atMs: number} | undefined
  const stop = (now: number): boolean => {
    if (stopped) return true
    if (now >= endMs || (opts.ops !== undefined && measuredIssued >= opts.ops)) stopped = true
    return stopped
  }
  const claim = (now: number): boolean => {
    if (stop(now)) return false
    if (rec.measuring(now)) {
      measuredIssued++
      cpuAtMeasureStart ??= {usage: process.cpuUsage(), atMs: now}
    }
    return true
  }

  const unexpected: unknown[] = []
  const issue = async (op: Operation, ctx: OpContext, scheduledMs: number): Promise<void> => {
    try {
      const type = await op(ctx)
      const now = performance.now()
      rec.ok(type, (now - scheduledMs) * 1000, now)
    } catch (err) {
      rec.error(err instanceof OpError ? err.kind : 'unexpected', performance.now())
      if (!(err instanceof OpError)) unexpected.push(err)
    }
  }
  const contextFor = (clientIndex: number): OpContext => ({
    clientIndex,
    record: (name, micros) => rec.record(name, micros, performance.now()),
    count: (name, n = 1) => rec.count(name, n, performance.now()),
  })

  const closedLoop = async (op: Operation, ctx: OpContext): Promise<void> => {
    for (;;) {
      const now = performance.now()
      if (!claim(now)) return
      await issue(op, ctx, now)
    }
  }

  const openLoop = async (op: Operation, ctx: OpContext, rate: number): Promise<void> => {
    const intervalMs = (1000 * opts.clients) / rate
    const offsetMs = (ctx.clientIndex * intervalMs) / opts.clients
    const warmupEndMs = startMs + opts.warmupMs
    let scheduled = startMs + offsetMs
    for (;;) {
      let now = performance.now()
      // A backlog built while the process warmed up (JIT, connections) is forgiven once, as wrk2's
      // calibration does: the measured schedule starts at the end of warmup.
      if (scheduled < warmupEndMs && now >= warmupEndMs) scheduled = warmupEndMs + offsetMs
      // Never start early: timers fire up to a millisecond before their time, which would flatter latency.
      while (now < scheduled) {
        if (scheduled - now >= 2) await sleep(scheduled - now - 1)
        else await new Promise((resolve) => setImmediate(resolve))
        now = performance.now()
      }
      if (!claim(Math.max(now, scheduled))) return
      rec.lag(Math.max(0, now - scheduled) * 1000, now)
      await issue(op, ctx, scheduled)
      scheduled += intervalMs
    }
  }

  const progressTimer =
    opts.onProgress &&
    setInterval(() => {
      const now = performance.now()
      opts.onProgress!({
        elapsedMs: now - startMs,
        totalMs: Number.isFinite(endMs) ? endMs - startMs : undefined,
        ops: rec.ops,
        errors: rec.errors,
        warmup: !rec.measuring(now),
      })
    }, 1000)

  const events: Array<Record<string, unknown>> = []
  const eventRuns = (opts.events ?? []).map(async (e) => {
    await sleep(Math.max(0, startMs + e.atMs - performance.now()))
    if (stopped) return
    const began = performance.now()
    try {
      events.push({name: e.name, atS: (began - startMs) / 1000, ...(await e.run()), tookS: (performance.now() - began) / 1000})
    } catch (err) {
      events.push({name: e.name, atS: (began - startMs) / 1000, error: (err as Error).message})
    }
  })

  try {
    await Promise.all(clients.map((op, i) => (opts.rate ? openLoop(op, contextFor(i), opts.rate) : closedLoop(op, contextFor(i)))))
    await Promise.all(eventRuns)
  } finally {
    if (progressTimer) clearInterval(progressTimer)
  }
  const measuredMs = Math.max(1, performance.now() - startMs - opts.warmupMs)
  const driverCpu = cpuAtMeasureStart && process.cpuUsage(cpuAtMeasureStart.usage)
  const driverCpuMicros = driverCpu ? driverCpu.user + driverCpu.system : 0
  const driverWallMs = cpuAtMeasureStart ? Math.max(1, performance.now() - cpuAtMeasureStart.atMs) : 1
  if (unexpected.length > 0 && rec.ops === 0) throw unexpected[0]

  const extra = (await workload.summarize?.()) ?? {}
  await workload.close()

  const durationS = measuredMs / 1000
  const operations = Object.fromEntries(
    [...rec.byType.entries()].map(([type, h]) => [type, {ops: h.totalCount, throughput: h.totalCount / durationS, latencyMs: summarize(h)}]),
  )
  return {
    workload: workload.name,
    target: workload.target,
    clients: opts.clients,
    durationS,
    warmupS: opts.warmupMs / 1000,
    ops: rec.ops,
    errors: rec.errors,
    errorsByKind: Object.fromEntries(rec.errorsByKind),
    firstUnexpectedError: unexpected.length > 0 ? String((unexpected[0] as Error)?.stack ?? unexpected[0]) : undefined,
    throughput: rec.ops / durationS,
    latencyMs: summarize(rec.overall),
    rate: opts.rate ?? null,
    coordinatedOmissionCorrected: opts.rate !== undefined,
    behindScheduleMs: opts.rate !== undefined ? summarize(rec.lagMicros) : null,
    operations,
    histograms: Object.fromEntries([...rec.named.entries()].map(([name, h]) => [name, summarize(h)])),
    counters: Object.fromEntries(rec.counters),
    timeline: rec.timeline(),
    events,
    driver: {cpuPercentOfOneCore: driverCpuMicros / 10 / driverWallMs, cpuMicrosPerOp: rec.ops + rec.errors > 0 ? driverCpuMicros / (rec.ops + rec.errors) : 0},
    ...extra,
  }
}
