import {describe, expect, it} from 'vitest'

import {SimEnv, SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'
import {NodeTimer} from '../../../src/nodes/txn-common/node-timer.js'

describe('NodeTimer on a simulated Env', () => {
  it('fires once at the earliest deadline armed, in the core\'s wall-clock time, and never after stop', async () => {
    const scheduler = new SimScheduler()
    const env = new SimEnv(scheduler, 1)
    const fired: number[] = []
    const timer = new NodeTimer(env, () => fired.push(env.wallNow()))
    const start = env.wallNow()
    timer.arm(start + 50, start)
    // A later deadline does not move it; an earlier one does.
    timer.arm(start + 80, start)
    timer.arm(start + 30, start)
    await scheduler.runUntil(100)
    expect(fired).toEqual([start + 30])
    timer.arm(env.wallNow() + 10, env.wallNow())
    timer.stop()
    await scheduler.runUntil(200)
    expect(fired).toEqual([start + 30])
  })
})
