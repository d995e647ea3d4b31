import {performance} from 'node:perf_hooks'

import {MinHeap} from '../core/common/min-heap.js'

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
  private timer: NodeJS.Timeout | undefined
  private armedForMs = Infinity

  /** Resolves at `slotMs` (performance.now() time), or at once when it is due. */
  wait(slotMs: number): Promise<void> | undefined {
    if (slotMs - EARLY_MS <= performance.now()) return undefined
    return new Promise((resolve) => {
      this.waiting.push(slotMs, resolve)
      this.arm()
    })
  }

  private arm(): void {
    const next = this.waiting.peekKey()
    if (next === undefined || next >= this.armedForMs) return
    if (this.timer) clearTimeout(this.timer)
    this.armedForMs = next
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(next - EARLY_MS - performance.now())))
  }

  /** Releases every waiter that is due; cheap when none is (a clock read and one comparison). */
  poll(): void {
    const now = performance.now()
    while ((this.waiting.peekKey() ?? Infinity) - EARLY_MS <= now) this.waiting.pop()!()
  }

  private readonly fire = (): void => {
    this.timer = undefined
    this.armedForMs = Infinity
    this.poll()
    this.arm()
  }
}
