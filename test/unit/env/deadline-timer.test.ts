import {expect, test} from 'vitest'

import {DeadlineTimer} from '../../../src/runtime/env/deadline-timer.js'
import {SimEnv, SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'

function timerOnSim() {
  const scheduler = new SimScheduler()
  const env = new SimEnv(scheduler, 1)
  const fired: number[] = []
  const timer = new DeadlineTimer(env, () => fired.push(scheduler.now))
  return {scheduler, timer, fired}
}

test('a deadline timer fires once, at the earliest deadline it was armed for', async () => {
  const {scheduler, timer, fired} = timerOnSim()
  timer.arm(50, 0)
  timer.arm(20, 0)
  timer.arm(80, 0)
  await scheduler.runUntil(1_000)
  expect(fired).toEqual([20])
})

test('a deadline timer re-arms after it fired, and holds no timer when nothing is due', async () => {
  const {scheduler, timer, fired} = timerOnSim()
  timer.arm(undefined, 0)
  expect(await scheduler.step()).toBe(false)
  timer.arm(10, 0)
  await scheduler.runUntil(10)
  timer.arm(30, scheduler.now)
  await scheduler.runUntil(1_000)
  expect(fired).toEqual([10, 30])
})

test('a stopped deadline timer never fires', async () => {
  const {scheduler, timer, fired} = timerOnSim()
  timer.arm(10, 0)
  timer.stop()
  await scheduler.runUntil(1_000)
  expect(fired).toEqual([])
})

test('deadlines on another clock than the Env reach the timer as a delay from nowMs', async () => {
  const {scheduler, timer, fired} = timerOnSim()
  const wallMs = 1_700_000_000_000
  timer.arm(wallMs + 25, wallMs)
  await scheduler.runUntil(1_000)
  expect(fired).toEqual([25])
})
