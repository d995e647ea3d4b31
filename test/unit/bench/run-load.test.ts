import {setTimeout as sleep} from 'node:timers/promises'

import {expect, test} from 'vitest'

import {runLoad} from '../../../src/bench/run-load.js'
import {OpError, Workload} from '../../../src/bench/workload.js'

/** A workload whose operation sleeps `opMs`; every third one fails when `failEvery` is set. */
function sleeper(opMs: number, failEvery = 0): Workload & {started: number[]} {
  let n = 0
  const started: number[] = []
  return {
    name: 'sleep',
    target: 'memory',
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
  expect(report.behindScheduleMs!.max).toBeGreaterThan(150)
})

test('open loop never starts an operation before its scheduled time', async () => {
  const w = sleeper(0)
  const t0 = performance.now()
  await runLoad(w, {clients: 1, ops: 20, warmupMs: 0, rate: 200})
  // Op i is scheduled 5·i ms after the start.
  w.started.forEach((at, i) => expect(at - t0).toBeGreaterThanOrEqual(5 * i - 0.01))
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
