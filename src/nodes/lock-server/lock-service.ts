import {join} from 'node:path'

import {LockTable} from '../../core/lock/lock-table.js'
import {LockState, LockTableOptions, Reply, Reservation} from '../../core/lock/types.js'
import {DeadlineTimer} from '../../runtime/env/deadline-timer.js'
import type {Env} from '../../runtime/env/env.js'
import {readJsonFileSync, writeFileAtomic} from '../../runtime/storage/atomic-file.js'
import type {LockApi, OnAbort} from '../lock-common/lock-routes.js'

const RESERVATION_FILE = 'lock-reservation.json'

/**
 * Wires the pure lock table to the Env's wall clock, one deadline timer and
 * the Env's disk: each reservation the table asks for is fsynced before it is
 * confirmed, and each reply is routed to the request that waits for it. The
 * table runs on wall-clock time because its reservation's lease horizon must
 * still mean something after a restart.
 */
export class LockService implements LockApi {
  private readonly table: LockTable
  private readonly pending = new Map<number, (reply: Reply) => void>()
  private nextRequestId = 1
  private readonly timer: DeadlineTimer
  private closed = false
  readonly recoveredFrom: Reservation | undefined

  constructor(
    private readonly env: Env,
    private readonly dataDir: string,
    /** The table's defaults unless a simulation reserves in small steps, to put many reservation writes under its crashes. */
    options: Partial<LockTableOptions> = {},
  ) {
    this.recoveredFrom = readJsonFileSync<Reservation>(join(dataDir, RESERVATION_FILE), env.disk)
    this.table = new LockTable(env.wallNow(), this.recoveredFrom, options)
    this.timer = new DeadlineTimer(env, () => {
      this.table.tick(env.wallNow())
      this.drain()
    })
    this.drain()
  }

  acquire(name: string, owner: string, ttlMs: number, waitMs: number, onAbort: OnAbort): Promise<Reply> {
    return this.call(onAbort, (requestId, now) => this.table.acquire({requestId, name, owner, ttlMs, waitMs}, now))
  }

  renew(name: string, owner: string, token: number, ttlMs: number, onAbort: OnAbort): Promise<Reply> {
    return this.call(onAbort, (requestId, now) => this.table.renew({requestId, name, owner, token, ttlMs}, now))
  }

  release(name: string, owner: string, token: number): Promise<Reply> {
    return this.call(undefined, (requestId, now) => this.table.release({requestId, name, owner, token}, now))
  }

  inspect(name: string): LockState {
    return this.table.inspect(name, this.env.wallNow())
  }

  health(): Record<string, unknown> {
    return {...this.table.summary(this.env.wallNow()), recoveredFrom: this.recoveredFrom ?? null}
  }

  /** Answers every waiting request with a shutdown error. */
  close(): void {
    this.closed = true
    this.timer.stop()
    for (const [requestId, resolve] of this.pending) {
      resolve({type: 'rejected', requestId, reason: 'unavailable', message: 'lock server is shutting down'})
    }
    this.pending.clear()
  }

  private call(onAbort: OnAbort | undefined, start: (requestId: number, now: number) => void): Promise<Reply> {
    const requestId = this.nextRequestId++
    return new Promise<Reply>((resolve) => {
      this.pending.set(requestId, resolve)
      start(requestId, this.env.wallNow())
      this.drain()
      // Only a request that has to wait needs to hear that its client went away.
      if (onAbort && this.pending.has(requestId)) {
        onAbort(() => {
          if (this.pending.delete(requestId)) {
            this.table.cancel(requestId)
            this.drain()
          }
        })
      }
    })
  }

  private drain(): void {
    if (this.closed) return
    const out = this.table.takeOutput(this.env.wallNow())
    for (const reply of out.replies) {
      const resolve = this.pending.get(reply.requestId)
      this.pending.delete(reply.requestId)
      resolve?.(reply)
    }
    if (out.reserve) void this.persist(out.reserve)
    this.timer.arm(this.table.nextDeadlineMs(), this.env.wallNow())
  }

  private async persist(reservation: Reservation): Promise<void> {
    await writeFileAtomic(join(this.dataDir, RESERVATION_FILE), JSON.stringify(reservation), this.env.disk)
    // Only now may tokens up to tokenLimit be issued: the reservation is durable.
    this.table.reserved(reservation, this.env.wallNow())
    this.drain()
  }
}
