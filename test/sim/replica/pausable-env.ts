import type {Env, Timer} from '../../../src/runtime/env/env.js'
import type {SimEnv} from '../../../src/runtime/env/sim-scheduler.js'

/**
 * A SimEnv whose process can be paused (SIGSTOP, a long GC, a stalled VM):
 * while paused, its timers that fall due wait, and run in order once it
 * resumes, late, as the clock has moved on. Disk I/O still completes (the
 * kernel finishes it); the node's network is cut by its SimReplica.
 */
export class PausableEnv implements Env {
  private paused = false
  private waiting: Array<() => void> = []

  constructor(private readonly inner: SimEnv) {}

  get rng(): Env['rng'] {
    return this.inner.rng
  }

  get disk(): Env['disk'] {
    return this.inner.disk
  }

  now(): number {
    return this.inner.now()
  }

  wallNow(): number {
    return this.inner.wallNow()
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    let cancelled = false
    const run = () => {
      if (!cancelled) fn()
    }
    const timer = this.inner.setTimer(delayMs, () => (this.paused ? this.waiting.push(run) : run()))
    return {
      cancel: () => {
        cancelled = true
        timer.cancel()
      },
    }
  }

  pause(): void {
    this.paused = true
  }

  resume(): void {
    this.paused = false
    const waiting = this.waiting
    this.waiting = []
    for (const run of waiting) this.inner.setTimer(0, run)
  }

  halt(): void {
    this.inner.halt()
  }
}
