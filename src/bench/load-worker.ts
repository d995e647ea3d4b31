/**
 * A worker thread of a --threads run: opens its own copy of the workload from
 * the recipe, creates its slice of the clients, drives them on the plan the
 * main thread sends, and hands back its measurements (see threads.ts).
 */
import {parentPort, workerData} from 'node:worker_threads'

import {realEnv} from '../runtime/env/real-env.js'
import {drive, DrivePlan, timeOriginMs} from './drive.js'
import {Recorder} from './recorder.js'
import {openWorkload} from './recipes.js'
import type {FromWorker, ToWorker, WorkerSetup} from './threads.js'

const setup = workerData as WorkerSetup
const port = parentPort!
const send = (m: FromWorker) => port.postMessage(m)
const clock = realEnv()

const workload = await openWorkload(setup.recipe, setup.clients)
try {
  const operations = await Promise.all(Array.from({length: setup.clients}, (_, i) => workload.createClient(setup.firstClient + i)))
  const plan = await new Promise<DrivePlan>((resolve) => {
    port.once('message', (m: ToWorker) => resolve({...setup.plan, startEpochMs: m.startEpochMs}))
    send({type: 'ready'})
  })
  const recorder = new Recorder(plan.startEpochMs - timeOriginMs(clock), plan.warmupMs)
  const progress = setInterval(() => send({type: 'progress', ops: recorder.ops, errors: recorder.errors}), 500)
  // The --ops budget is one counter shared by every thread.
  const budget = setup.opsBudget && new Int32Array(setup.opsBudget)
  const claim = () => budget === undefined || Atomics.add(budget, 0, 1) < plan.ops!
  const result = await drive(clock, operations, setup.firstClient, plan, claim, recorder)
  clearInterval(progress)
  send({
    type: 'done',
    snapshot: recorder.snapshot(),
    issued: result.issued,
    scheduled: result.scheduled,
    lastEndEpochMs: timeOriginMs(clock) + result.lastEndMs,
    unexpected: result.unexpected === undefined ? undefined : String((result.unexpected as Error)?.stack ?? result.unexpected),
  })
} finally {
  await workload.close()
}
