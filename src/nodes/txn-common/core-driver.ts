import {DeadlineTimer} from '../../runtime/env/deadline-timer.js'
import type {Env} from '../../runtime/env/env.js'
import type {Logger} from '../../runtime/net/node-log.js'
import type {Ready} from '../../core/txn/index.js'
import {crashAtFailpoint} from './failpoint-route.js'
import type {MessageTransport} from './peer-transport.js'
import type {ReadyLog} from './ready-log.js'

/** What the driver needs of a txn core (coordinator or participant). */
export interface DrivenCore<Rd> {
  ready(): Rd
  nextWakeMs(): number | undefined
  tick(nowMs: number): void
}

export interface CoreDriverHooks<Rd> {
  /** Runs as the Ready is taken, before the next input (apply committed writes, count finished txns). */
  taken(ready: Rd): void
  /** Runs when the Ready is released: durable and sent (answer clients). Not called for a crash Ready. */
  released?(ready: Rd, releasedMs: number): void
  /** The Ready carries something to release (beyond persist, send and crash). */
  hasAnswers?(ready: Rd): boolean
  /** What recovery needs, as of every Ready taken so far (ReadyLog.checkpoint). */
  checkpoint(): unknown
}

/**
 * The node loop shared by coordinator and participant (src/core/txn/outbox.ts):
 * after every input take the Ready, append its records (fsync when forced),
 * then send, then — unless a failpoint fired — answer. Releases happen in
 * Ready order through the ReadyLog, which the driver checkpoints between
 * inputs when it has grown enough.
 */
export class CoreDriver<R, Rd extends Ready<R>> {
  private readonly timer: DeadlineTimer

  constructor(
    private readonly core: DrivenCore<Rd>,
    private readonly log: ReadyLog<R>,
    private readonly transport: MessageTransport,
    private readonly logger: Logger,
    /** The cores' time is wall-clock milliseconds (env.wallNow): they store it in log records. */
    private readonly env: Env,
    private readonly hooks: CoreDriverHooks<Rd>,
  ) {
    this.timer = new DeadlineTimer(env, () => this.input((now) => this.core.tick(now)))
  }

  /**
   * Feeds the core one input and acts on the Ready it leaves. One input per
   * Ready, never a batch: a participant checks conditions against the
   * committed table, which holds a commit's writes only once its Ready is
   * taken, so a prepare stepped after a commit in the same batch would check
   * stale values (a lost update the bank test caught). The WAL still shares
   * one fsync among the Readies of a batch.
   */
  input(step: (now: number) => void): void {
    step(this.env.wallNow())
    const ready = this.core.ready()
    this.hooks.taken(ready)
    if (ready.persist.length > 0 || ready.send.length > 0 || ready.crash || this.hooks.hasAnswers?.(ready)) {
      this.log.submit(ready.persist, ready.mustSync, async () => {
        const releasedMs = this.env.wallNow()
        const sent = this.transport.send(ready.send)
        if (ready.crash) {
          // Crash after the sends and before any answer (src/core/txn/failpoints.ts).
          await sent
          crashAtFailpoint(ready.crash, this.logger)
        }
        this.hooks.released?.(ready, releasedMs)
      })
    }
    if (this.log.checkpointDue) this.log.checkpoint(this.hooks.checkpoint())
    this.timer.arm(this.core.nextWakeMs(), this.env.wallNow())
  }

  async close(): Promise<void> {
    this.timer.stop()
    await this.log.close()
    await this.transport.close()
  }
}
