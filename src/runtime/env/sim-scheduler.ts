import {MinHeap} from '../../core/common/min-heap.js'
import {SeededRng} from '../../core/common/rng.js'
import type {Env, Timer} from './env.js'
import {SimDisk} from './sim-disk.js'

interface Scheduled {
  fn: (() => void) | undefined
}

/** Lets every promise continuation queued so far run: all microtasks drain before the next macrotask. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Simulated time for a whole simulated cluster: one queue of timers, run in
 * time order (ties in the order they were set), each followed by every
 * promise continuation it started. Nothing else may schedule work (no real
 * timers or I/O), so a run is a function of its seed alone and replays
 * exactly.
 */
export class SimScheduler {
  /** The distinct due times, and what is due at each in the order it was set. */
  private readonly times = new MinHeap<number>()
  private readonly due = new Map<number, Scheduled[]>()
  private nowMs = 0
  private fired = 0

  /** Simulated milliseconds since the start. */
  get now(): number {
    return this.nowMs
  }

  /** Timers fired so far: the simulation's step count. */
  get steps(): number {
    return this.fired
  }

  at(timeMs: number, fn: () => void): Timer {
    const entry: Scheduled = {fn}
    const time = Math.max(timeMs, this.nowMs)
    let bucket = this.due.get(time)
    if (!bucket) {
      bucket = []
      this.due.set(time, bucket)
      this.times.push(time, time)
    }
    bucket.push(entry)
    return {cancel: () => (entry.fn = undefined)}
  }

  after(delayMs: number, fn: () => void): Timer {
    return this.at(this.nowMs + Math.max(0, delayMs), fn)
  }

  /** Runs the next timer and what it started; false when nothing is left. */
  async step(): Promise<boolean> {
    for (;;) {
      const time = this.times.peek()
      if (time === undefined) return false
      const bucket = this.due.get(time)!
      const entry = bucket.shift()!
      if (bucket.length === 0) {
        this.times.pop()
        this.due.delete(time)
      }
      if (!entry.fn) continue
      this.nowMs = time
      const fn = entry.fn
      entry.fn = undefined
      this.fired++
      fn()
      await settle()
      return true
    }
  }

  /** Runs timers until simulated time reaches `untilMs` or nothing is left. */
  async runUntil(untilMs: number): Promise<void> {
    while ((this.times.peek() ?? Infinity) <= untilMs) if (!(await this.step())) break
    this.nowMs = Math.max(this.nowMs, untilMs)
  }

  /** Runs timers while `pending()` holds; throws after `limitMs` of simulated time. */
  async runWhile(pending: () => boolean, limitMs: number): Promise<void> {
    const deadline = this.nowMs + limitMs
    while (pending()) {
      if ((this.times.peek() ?? Infinity) > deadline || !(await this.step())) {
        throw new Error(`still pending after ${limitMs} ms of simulated time (at ${this.nowMs.toFixed(1)} ms)`)
      }
    }
  }
}

/**
 * One simulated node's Env on a shared scheduler: its own random stream,
 * wall-clock offset and disk. `halt()` is a crash of the process: its pending
 * timers never fire, new ones are ignored, and its disk operations in flight
 * never complete, so nothing of the dead process runs on. The disk outlives
 * the process: pass the same SimDisk to the restarted node's SimEnv, after
 * `disk.crash(rng)` to lose its unsynced writes as a power failure would.
 */
export class SimEnv implements Env {
  readonly rng: SeededRng
  readonly disk: SimDisk
  private readonly wallOffsetMs: number
  private timers = new Set<Timer>()
  private halted = false

  constructor(
    private readonly scheduler: SimScheduler,
    seed: number,
    options: {wallOffsetMs?: number; disk?: SimDisk} = {},
  ) {
    this.rng = new SeededRng(seed)
    this.wallOffsetMs = options.wallOffsetMs ?? 1_700_000_000_000
    // A fresh disk draws its latencies from its own stream, so they do not shift the node's.
    this.disk = options.disk ?? new SimDisk(scheduler, seed ^ 0x5eed_d15c)
  }

  now(): number {
    return this.scheduler.now
  }

  wallNow(): number {
    return this.wallOffsetMs + this.scheduler.now
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    if (this.halted) return {cancel() {}}
    const timer: Timer = this.scheduler.after(delayMs, () => {
      this.timers.delete(timer)
      fn()
    })
    this.timers.add(timer)
    return {
      cancel: () => {
        timer.cancel()
        this.timers.delete(timer)
      },
    }
  }

  halt(): void {
    this.halted = true
    this.disk.halt()
    for (const timer of this.timers) timer.cancel()
    this.timers.clear()
  }
}
