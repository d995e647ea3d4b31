import type {Env, Timer} from './env.js'

/**
 * One timer per node for its core's next deadline (the core's
 * `nextDeadlineMs()` / `nextWakeMs()`), re-armed after every input. It only
 * ever moves earlier until it fires, so a burst of inputs costs no timer
 * churn; a node with nothing due holds no timer and sleeps.
 *
 * Deadlines and `nowMs` are on whatever clock the core runs on (the lock
 * table's and the txn cores' wall clock, env.wallNow()): only their difference
 * reaches the Env's timer.
 */
export class DeadlineTimer {
  private timer: Timer | undefined
  private atMs = Infinity

  constructor(
    private readonly env: Pick<Env, 'setTimer'>,
    private readonly fire: () => void,
  ) {}

  arm(nextMs: number | undefined, nowMs: number): void {
    if (nextMs === undefined || nextMs >= this.atMs) return
    this.timer?.cancel()
    this.atMs = nextMs
    this.timer = this.env.setTimer(Math.max(0, nextMs - nowMs), () => {
      this.atMs = Infinity
      this.timer = undefined
      this.fire()
    })
  }

  stop(): void {
    this.timer?.cancel()
    this.timer = undefined
    this.atMs = Infinity
  }
}
