import {describe, expect, it} from 'vitest'

import {SimEnv, SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'

describe('SimScheduler', () => {
  it('fires timers in time order, ties in the order they were set, with the clock at each one', async () => {
    const sim = new SimScheduler()
    const seen: string[] = []
    sim.after(20, () => seen.push(`b@${sim.now}`))
    sim.after(10, () => seen.push(`a@${sim.now}`))
    sim.after(20, () => seen.push(`c@${sim.now}`))
    await sim.runUntil(100)
    expect(seen).toEqual(['a@10', 'b@20', 'c@20'])
    expect(sim.now).toBe(100)
  })

  it('runs the promise continuations a timer starts before the next timer', async () => {
    const sim = new SimScheduler()
    const seen: string[] = []
    sim.after(1, () => void Promise.resolve().then(() => Promise.resolve()).then(() => seen.push('continuation')))
    sim.after(1, () => seen.push('next timer'))
    await sim.runUntil(5)
    expect(seen).toEqual(['continuation', 'next timer'])
  })

  it('never fires a cancelled timer, nor any timer of a halted env', async () => {
    const sim = new SimScheduler()
    const env = new SimEnv(sim, 1)
    const seen: string[] = []
    env.setTimer(5, () => seen.push('cancelled')).cancel()
    env.setTimer(10, () => seen.push('after halt'))
    sim.after(7, () => env.halt())
    await sim.runUntil(50)
    env.setTimer(1, () => seen.push('set after halt'))
    await sim.runUntil(100)
    expect(seen).toEqual([])
  })

  it('runWhile gives up with a clear error once the simulated limit passes', async () => {
    const sim = new SimScheduler()
    const env = new SimEnv(sim, 1)
    const tick = (): void => void env.setTimer(10, tick)
    tick()
    await expect(sim.runWhile(() => true, 1_000)).rejects.toThrow(/still pending after 1000 ms of simulated time/)
  })
})
