import {setTimeout as sleep} from 'node:timers/promises'

import {expect, test} from 'vitest'

import {runLoad} from '../../../src/bench/run-load.js'
import {SimEnv, SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'
import {sleep as simSleep} from '../../../src/runtime/env/sleep.js'
import {EARLY_MS} from '../../../src/bench/slot-timer.js'
import {OpError, Workload} from '../../../src/bench/workload.js'

/** A workload whose operation sleeps `opMs`; every third one fails when `failEvery` is set. */
function sleeper(opMs: number, failEvery = 0): Workload & {started: number[]} {
  let n = 0
  const started: number[] = []
  return {
    name: 'sleep',
    target: 'memory',
    metrics: ['nap', 'inner'],
    preflight: async () => {},
    started,
    createClient: async () => async (ctx) => {
      started.push(performance.now())
      ctx.record('inner', opMs * 1000)
      await sleep(opMs)
      if (failEvery && ++n % failEvery === 0) throw new OpError('planned')
      return 'nap'
    },
    close: async () => {},
  }
}

test('--ops stops after that many measured operations, and errors are counted by kind', async () => {
  const report = await runLoad(sleeper(1, 3), {clients: 2, ops: 30, warmupMs: 0})
  expect(report.ops + report.errors).toBe(30)
  expect(report.errorsByKind).toEqual({planned: report.errors})
  expect(report.errors).toBe(10)
  expect(report.operations.nap.ops).toBe(20)
  expect(report.histograms.inner.p50).toBe(1)
})

test('open loop: a server slower than the schedule shows up as latency from the intended start (coordinated omission)', async () => {
  // 100 ops/s on one client is one op every 10 ms; each takes 20 ms, so op i starts about 10·i ms late.
  const report = await runLoad(sleeper(20), {clients: 1, ops: 30, warmupMs: 0, rate: 100})
  expect(report.coordinatedOmissionCorrected).toBe(true)
  expect(report.latencyMs.max).toBeGreaterThan(200)
  expect(report.schedule!.lagMs.max).toBeGreaterThan(150)
  // Measured from the send instead, each operation took its 20 ms: the stall is invisible there.
  expect(report.uncorrectedLatencyMs!.max).toBeLessThan(100)
})

test('open loop sends no operation more than EARLY_MS before its slot, and one sent early is measured from its send', async () => {
  const w = sleeper(3)
  const t0 = performance.now()
  const report = await runLoad(w, {clients: 1, ops: 20, warmupMs: 0, rate: 200})
  // Op i's slot is 5·i ms after the start.
  w.started.forEach((at, i) => expect(at - t0).toBeGreaterThanOrEqual(5 * i - EARLY_MS - 0.01))
  // Measured from a later slot, an early op would look faster than the 3 ms it took.
  expect(report.latencyMs.p50).toBeGreaterThanOrEqual(3)
})

test('open loop keeps one grid through warmup: the last warmup slot is one interval before the first measured one', async () => {
  // 100 ops/s on one client, 25 ms of warmup: slots at -20, -10 and 0 ms from the end of warmup, i.e. 5, 15, 25, 35… ms from the start.
  const w = sleeper(0)
  const t0 = performance.now()
  await runLoad(w, {clients: 1, ops: 3, warmupMs: 25, rate: 100})
  expect(w.started).toHaveLength(5)
  w.started.forEach((at, i) => expect(at - t0).toBeGreaterThanOrEqual(5 + 10 * i - EARLY_MS - 0.01))
})

test('the measured window is the one asked for: an open-loop run reports its duration and rate, not its drain', async () => {
  const report = await runLoad(sleeper(1), {clients: 4, durationMs: 500, warmupMs: 0, rate: 40})
  expect(report.durationS).toBe(0.5)
  expect(report.schedule).toMatchObject({scheduled: 20, issued: 20, notIssued: 0})
  expect(report.ops).toBe(20)
  expect(report.throughput).toBe(40)
})

test('slots the window closes on are counted as not sent, and Little\'s law says how many clients the schedule needed', async () => {
  // One client, 10 ms per op, asked for 400 ops/s: it can send about 100/s, and needs about 4 clients.
  const report = await runLoad(sleeper(10), {clients: 1, durationMs: 500, warmupMs: 0, rate: 400})
  const s = report.schedule!
  expect(s.scheduled).toBe(200)
  expect(s.issued).toBeLessThan(100)
  expect(s.notIssued).toBe(s.scheduled - s.issued)
  expect(s.clientsNeeded).toBeGreaterThanOrEqual(4)
})

test('an event never stretches the measured window; one that outlasts it is reported with its own duration', async () => {
  let finish!: () => void
  const slow = new Promise<void>((resolve) => (finish = resolve))
  const events = [{atMs: 50, name: 'slow', run: async () => (await slow, {})}]
  const run = runLoad(sleeper(1), {clients: 2, durationMs: 200, warmupMs: 0, events})
  // The event ends only after the load has (the report waits for it), long after the window closed.
  setTimeout(finish, 400)
  const report = await run
  expect(report.durationS).toBe(0.2)
  expect(report.events).toEqual([expect.objectContaining({name: 'slow', outlastedRun: true})])
  expect(report.events[0].tookS as number).toBeGreaterThan(0.3)
})

test("the report carries the driver's own CPU per operation, so a busy driver shows", async () => {
  const cpuMicros = () => {
    const u = process.cpuUsage()
    return u.user + u.system
  }
  // Each operation burns 2 ms of this process's CPU (measured, so a loaded machine only makes it slower).
  const burner: Workload = {
    name: 'burn',
    target: 'memory',
    metrics: ['burn'],
    preflight: async () => {},
    createClient: async () => async () => {
      const until = cpuMicros() + 2000
      while (cpuMicros() < until);
      return 'burn'
    },
    close: async () => {},
  }
  const busy = await runLoad(burner, {clients: 1, ops: 20, warmupMs: 0})
  expect(busy.driver.cpuMicrosPerOp).toBeGreaterThanOrEqual(2000)
  const idle = await runLoad(sleeper(5), {clients: 1, ops: 20, warmupMs: 0})
  expect(idle.driver.cpuMicrosPerOp).toBeLessThan(2000)
})

test('on a simulated clock an open-loop run is exact: op i of a 20 ms server at 100 ops/s waits 10·i ms past its slot', async () => {
  const scheduler = new SimScheduler()
  const clock = new SimEnv(scheduler, 1)
  const workload: Workload = {
    name: 'sim',
    target: 'memory',
    metrics: [],
    preflight: async () => {},
    createClient: async () => async () => (await simSleep(clock, 20), 'nap'),
    close: async () => {},
  }
  let report: Awaited<ReturnType<typeof runLoad>> | undefined
  // Started from a timer, so the scheduler drains what the start sets going.
  clock.setTimer(0, () => void runLoad(workload, {clients: 1, ops: 10, warmupMs: 0, rate: 100, clock}).then((r) => (report = r)))
  await scheduler.runWhile(() => report === undefined, 10_000)
  // Slot i is at 10·i ms; op i is sent when op i-1 ends, at 20·i ms, and ends at 20·i + 20.
  expect(scheduler.now).toBe(200)
  // Histogram buckets are within 0.1% of the values in them.
  expect(report!.latencyMs.max).toBeCloseTo(20 + 10 * 9, 0)
  expect(report!.latencyMs.mean).toBeCloseTo(20 + 10 * 4.5, 0)
  expect(report!.uncorrectedLatencyMs!.max).toBeCloseTo(20, 1)
  expect(report!.schedule!.lagMs.max).toBeCloseTo(10 * 9, 0)
  expect(report!.durationS).toBeCloseTo(0.2, 6)
})
