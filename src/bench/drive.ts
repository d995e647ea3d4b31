import type {Recorder} from './recorder.js'
import {type LoadClock, SlotTimer} from './slot-timer.js'
import {OpContext, OpError, Operation} from './workload.js'

/** When and how one thread's clients run: every thread of a run gets the same plan and its own slice of clients. */
export interface DrivePlan {
  /** The clock's wallNow() at the run's start (performance.timeOrigin + performance.now() for real), shared by every thread. */
  startEpochMs: number
  warmupMs: number
  /** Length of the measured window; undefined when the run stops at `ops`. */
  durationMs?: number
  /** Measured operations to issue, over all threads (the run stops at whichever of durationMs and ops comes first). */
  ops?: number
  /** Open loop: total operations per second over all clients; closed loop when undefined. */
  rate?: number
  /** All clients of the run, over all threads. */
  totalClients: number
}

/** What one thread measured, beside its recorder. */
export interface DriveResult {
  /** Measured operations sent (open loop: of the measured schedule). */
  issued: number
  /** Open loop with a duration: slots of these clients inside the measured window. */
  scheduled: number
  /** The clock's now() on this thread when the last measured operation ended. */
  lastEndMs: number
  /** The first error that was not an OpError: a bug in a workload, shown in the report. */
  unexpected: unknown
}

/** Whether one more measured operation may start: one --ops budget shared by every thread. */
export type OpsClaim = () => boolean

/**
 * Runs `operations` (clients `firstClient`, `firstClient + 1`, ...) to the
 * end of the plan. Closed loop: each client issues back to back. Open loop:
 * each client owns a slice of a fixed schedule, as in wrk2 (client i's slots
 * are `offset_i + k · clients/rate`), waits for its slot on one shared timer,
 * and when it falls behind sends at once; latency is measured from the slot,
 * so a stalled target shows up as latency instead of as silently fewer
 * requests (coordinated omission). Slots left unsent when the window closes
 * are counted, never dropped silently.
 */
export async function drive(clock: LoadClock, operations: Operation[], firstClient: number, plan: DrivePlan, claimOp: OpsClaim, recorder: Recorder): Promise<DriveResult> {
  const startMs = plan.startEpochMs - timeOriginMs(clock)
  const warmEndMs = startMs + plan.warmupMs
  const windowEndMs = plan.durationMs === undefined ? Infinity : warmEndMs + plan.durationMs
  const slots = new SlotTimer(clock)
  const result: DriveResult = {issued: 0, scheduled: 0, lastEndMs: warmEndMs, unexpected: undefined}
  let done = false

  /** Whether one more measured operation may start (the --ops budget). */
  const claimMeasured = (): boolean => {
    if (done) return false
    if (!claimOp()) {
      done = true
      return false
    }
    result.issued++
    return true
  }

  const issue = async (op: Operation, ctx: ClientContext, slotMs: number, measured: boolean): Promise<void> => {
    ctx.measured = measured
    const sentMs = clock.now()
    try {
      const type = await op(ctx)
      const endMs = clock.now()
      // Sent early (see EARLY_MS): measure from the send, never from the later slot.
      // From the send as well only in open loop: in closed loop the slot is the send.
      const fromSendMicros = plan.rate ? (endMs - sentMs) * 1000 : undefined
      recorder.ok(ctx.clientIndex, type, measured, (endMs - Math.min(sentMs, slotMs)) * 1000, fromSendMicros, endMs)
      if (measured) result.lastEndMs = Math.max(result.lastEndMs, endMs)
    } catch (err) {
      const endMs = clock.now()
      recorder.error(err instanceof OpError ? err.kind : 'unexpected', (err as Error)?.message ?? String(err), measured, endMs)
      if (measured) result.lastEndMs = Math.max(result.lastEndMs, endMs)
      if (!(err instanceof OpError)) result.unexpected ??= err
    }
  }

  const closedLoop = async (op: Operation, ctx: ClientContext): Promise<void> => {
    for (;;) {
      const now = clock.now()
      if (done || now >= windowEndMs) return
      const measured = now >= warmEndMs
      if (measured && !claimMeasured()) return
      await issue(op, ctx, now, measured)
    }
  }

  const openLoop = async (op: Operation, ctx: ClientContext, rate: number): Promise<void> => {
    const intervalMs = (1000 * plan.totalClients) / rate
    const offsetMs = (ctx.clientIndex * intervalMs) / plan.totalClients
    if (plan.durationMs !== undefined) result.scheduled += Math.max(0, Math.ceil((plan.durationMs - offsetMs) / intervalMs))
    // One grid through warmup and the window: slot k is warmEnd + offset + k · interval (k < 0 in warmup),
    // so a client's last warmup slot is exactly one interval before its first measured one.
    let slot = warmEndMs + offsetMs - Math.floor((plan.warmupMs + offsetMs) / intervalMs) * intervalMs
    for (;;) {
      if (done || slot >= windowEndMs) return
      await slots.wait(slot)
      const now = clock.now()
      if (done || now >= windowEndMs) return
      const measured = slot >= warmEndMs
      if (measured) {
        if (!claimMeasured()) return
        recorder.lag(Math.max(0, now - slot) * 1000)
      }
      await issue(op, ctx, slot, measured)
      slots.poll()
      slot += intervalMs
      // A backlog built while the process warmed up (JIT, connections) is forgiven once, as wrk2's
      // calibration does: the measured schedule starts on time at the end of warmup.
      if (slot < warmEndMs && clock.now() >= warmEndMs) slot = warmEndMs + offsetMs
    }
  }

  await Promise.all(
    operations.map((op, i) => {
      const ctx = new ClientContext(firstClient + i, recorder)
      return plan.rate ? openLoop(op, ctx, plan.rate) : closedLoop(op, ctx)
    }),
  )
  return result
}

/** This thread's performance.timeOrigin: what turns its now() times into wallNow() times, comparable across threads. */
export const timeOriginMs = (clock: LoadClock): number => clock.wallNow() - clock.now()

/** A client's context; `measured` says whether the operation in flight counts (one at a time per client). */
class ClientContext implements OpContext {
  measured = false

  constructor(
    readonly clientIndex: number,
    private readonly recorder: Recorder,
  ) {}

  record(name: string, micros: number): void {
    this.recorder.record(name, micros, this.measured)
  }

  count(name: string, n = 1): void {
    this.recorder.count(name, n, this.measured)
  }
}
