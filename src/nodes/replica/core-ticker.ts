import type {Env, Timer} from '../../runtime/env/env.js'

/** Far below any tick, far above a float's rounding error in milliseconds since start. */
const TIME_SLACK_MS = 1e-6

/** The core's logical clock, as the ticker sees it. */
export interface TickedCore {
  tick(): void
  /** Ticks until one may act (RawNode's or PaxosNode's ticksUntilDue); at least 1. */
  ticksUntilDue(): number
}

/**
 * The core's ticks without a timer per tick. Tick k falls due at
 * `startMs + k * tickMs`, as with a periodic timer, but the ticker sleeps
 * until the first tick at which the core may act (the heartbeat on a leader,
 * the election deadline on a follower) and makes up the ticks in between
 * just before the core's next input, so the core sees the same tick count at
 * every message as a periodic ticker would give it. An idle replica thus
 * wakes once per heartbeat interval (leader) or election timeout (follower)
 * instead of every tickMs.
 */
export class CoreTicker {
  private startMs: number
  private ticksDone = 0
  private timer: Timer | undefined
  /** When the armed timer fires; Infinity when none is armed. */
  private timerAtMs = Infinity
  private stopped = false

  constructor(
    private readonly env: Env,
    private readonly tickMs: number,
    private readonly core: TickedCore,
    /** Called after a wake-up's ticks ran: the core may have something to send. */
    private readonly onWake: () => void,
  ) {
    this.startMs = env.now()
  }

  /**
   * Runs the ticks that fell due since the last call, stopping at the one at
   * which the core acts. Call before every input to the core, so it sees time
   * before the message. If the process stalled past that tick, the rest of
   * the lag is dropped, as a periodic timer drops the runs it missed (so a
   * stalled leader does not count a whole election timeout in one go and step
   * down before it has read its followers' answers).
   */
  catchUp(): void {
    // The slack absorbs rounding in `startMs + k * tickMs`: a timer set for that sum must find tick k due
    // when it fires, or it re-arms for the same moment and simulated time stands still.
    const elapsed = Math.floor((this.env.now() - this.startMs + TIME_SLACK_MS) / this.tickMs) - this.ticksDone
    if (elapsed <= 0) return
    const due = this.core.ticksUntilDue()
    const ticks = Math.min(elapsed, due)
    for (let i = 0; i < ticks; i++) this.core.tick()
    if (elapsed > due) {
      this.startMs = this.env.now()
      this.ticksDone = 0
    } else {
      this.ticksDone += ticks
    }
  }

  /**
   * Sleeps until the core's next due tick. Call after every input: an input
   * can only bring that tick closer (a new leader's first heartbeat), and a
   * timer armed for a later one wakes, catches up and re-arms.
   */
  arm(): void {
    if (this.stopped) return
    const dueAtMs = this.startMs + (this.ticksDone + this.core.ticksUntilDue()) * this.tickMs
    if (this.timerAtMs <= dueAtMs) return
    this.timer?.cancel()
    this.timerAtMs = dueAtMs
    this.timer = this.env.setTimer(dueAtMs - this.env.now(), () => {
      this.timer = undefined
      this.timerAtMs = Infinity
      this.catchUp()
      this.onWake()
    })
  }

  stop(): void {
    this.stopped = true
    this.timer?.cancel()
  }
}
