import {MinHeap} from '../core/common/min-heap.js'
import type {Env, Timer} from '../runtime/env/env.js'

/**
 * The clock and timers a load run reads: the real ones (`realEnv()`), or a
 * simulated scheduler's in a test. `now()` is this thread's performance.now();
 * `wallNow() - now()` is its performance.timeOrigin, which turns one thread's
 * times into another's.
 */
export type LoadClock = Pick<Env, 'now' | 'wallNow' | 'setTimer'>

/**
 * Node's timers count whole milliseconds from a cached loop time, so one may
 * fire up to a millisecond before its slot. A waiter is released this much
 * early instead of waiting another full timer turn; its latency is then
 * measured from the moment it was really sent, so early never flatters.
 */
export const EARLY_MS = 1

/**
 * Wakes open-loop clients at their scheduled slots with one timer for all of
 * them (the earliest slot), instead of a timer or a spin per client. A timer
 * wakes a sleeping process late on a virtual machine (p99 3-4 ms on the
 * 2-core machine the benchmarks ran on, for any program), so the driver also
 * releases due clients whenever it runs anyway: after every completed
 * operation (poll). Under load that is every few tens of microseconds.
 */
export class SlotTimer {
  private readonly waiting = new MinHeap<() => void>()
  private timer: Timer | undefined
  private armedForMs = Infinity

  constructor(private readonly clock: LoadClock) {}

  /** Resolves at `slotMs` (the clock's now() time), or at once when it is due. */
  wait(slotMs: number): Promise<void> | undefined {
    if (slotMs - EARLY_MS <= this.clock.now()) return undefined
    return new Promise((resolve) => {
      this.waiting.push(slotMs, resolve)
      this.arm()
    })
  }

  private arm(): void {
    const next = this.waiting.peekKey()
    if (next === undefined || next >= this.armedForMs) return
    this.timer?.cancel()
    this.armedForMs = next
    this.timer = this.clock.setTimer(Math.max(1, Math.ceil(next - EARLY_MS - this.clock.now())), this.fire)
  }

  /** Releases every waiter that is due; cheap when none is (a clock read and one comparison). */
  poll(): void {
    const now = this.clock.now()
    while ((this.waiting.peekKey() ?? Infinity) - EARLY_MS <= now) this.waiting.pop()!()
  }

  private readonly fire = (): void => {
    this.timer = undefined
    this.armedForMs = Infinity
    this.poll()
    this.arm()
  }
}
