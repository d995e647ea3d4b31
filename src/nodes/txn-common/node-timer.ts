import type {Env, Timer} from '../../runtime/env/env.js'

/**
 * One timer per node for its core's next deadline (`nextWakeMs`), re-armed
 * after every input; it only ever moves earlier until it fires. Times are
 * the core's (wall-clock) milliseconds; only their difference reaches the Env.
 */
export class NodeTimer {
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
    this.atMs = Infinity
  }
}
