import {Worker} from 'node:worker_threads'

import {type DrivePlan, type DriveResult, timeOriginMs} from './drive.js'
import {Recorder, RecorderSnapshot} from './recorder.js'
import type {LoadClock} from './slot-timer.js'
import type {WorkloadRecipe} from './workload.js'

/** What a worker thread starts with. */
export interface WorkerSetup {
  recipe: WorkloadRecipe
  firstClient: number
  clients: number
  plan: Omit<DrivePlan, 'startEpochMs'>
  /** --ops runs: the shared count of measured operations claimed so far. */
  opsBudget?: SharedArrayBuffer
}

export type ToWorker = {type: 'start'; startEpochMs: number}
export type FromWorker =
  | {type: 'ready'}
  | {type: 'progress'; ops: number; errors: number}
  | {type: 'done'; snapshot: RecorderSnapshot; issued: number; scheduled: number; lastEndEpochMs: number; unexpected?: string}

/** Splits `clients` into `threads` contiguous slices, the first ones one larger when it does not divide. */
export function sliceClients(clients: number, threads: number): Array<{first: number; count: number}> {
  const base = Math.floor(clients / threads)
  const extra = clients % threads
  return Array.from({length: threads}, (_, t) => ({first: t * base + Math.min(t, extra), count: base + (t < extra ? 1 : 0)}))
}

/**
 * The clients of a run spread over worker threads: each opens its own copy
 * of the workload from the recipe and keeps its own histograms and timeline,
 * and the main thread adds them up exactly (HdrHistogram add, never averaged
 * percentiles). Every thread runs the same plan from the same start, so an
 * open-loop schedule is one schedule over all clients.
 */
export async function startThreads(clock: LoadClock, recipe: WorkloadRecipe, plan: Omit<DrivePlan, 'startEpochMs'>, threads: number) {
  const opsBudget = plan.ops === undefined ? undefined : new SharedArrayBuffer(4)
  const slices = sliceClients(plan.totalClients, threads).filter((s) => s.count > 0)
  const workers = slices.map((s) => new Worker(new URL('./load-worker.js', import.meta.url), {workerData: {recipe, firstClient: s.first, clients: s.count, plan, opsBudget} satisfies WorkerSetup}))
  const progress = workers.map(() => ({ops: 0, errors: 0}))
  const finished = workers.map(
    (w, i) =>
      new Promise<Extract<FromWorker, {type: 'done'}>>((resolve, reject) => {
        w.on('message', (m: FromWorker) => {
          if (m.type === 'progress') progress[i] = m
          if (m.type === 'done') resolve(m)
        })
        w.once('error', reject)
        w.once('exit', (code) => reject(new Error(`load thread ${i} exited (${code}) before it finished`)))
      }),
  )
  const ready = workers.map((w) => new Promise<void>((resolve) => w.on('message', (m: FromWorker) => m.type === 'ready' && resolve())))
  // A thread that fails while opening its clients fails the run before it starts.
  try {
    await Promise.race([Promise.all(ready), Promise.all(finished)])
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()))
    throw err
  }
  return {
    counts: () => progress.reduce((a, p) => ({ops: a.ops + p.ops, errors: a.errors + p.errors}), {ops: 0, errors: 0}),
    async run(startEpochMs: number, recorder: Recorder): Promise<DriveResult> {
      for (const w of workers) w.postMessage({type: 'start', startEpochMs} satisfies ToWorker)
      try {
        const done = await Promise.all(finished)
        const result: DriveResult = {issued: 0, scheduled: 0, lastEndMs: 0, unexpected: undefined}
        for (const d of done) {
          recorder.absorb(d.snapshot)
          result.issued += d.issued
          result.scheduled += d.scheduled
          result.lastEndMs = Math.max(result.lastEndMs, d.lastEndEpochMs - timeOriginMs(clock))
          result.unexpected ??= d.unexpected
        }
        return result
      } finally {
        await Promise.all(workers.map((w) => w.terminate()))
      }
    },
  }
}
