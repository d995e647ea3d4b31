import {invariant} from '../common/invariant.js'
import {HeapEntry, MinHeap} from '../common/min-heap.js'
import {
  AcquireRequest,
  defaultLockTableOptions,
  LockState,
  LockStats,
  LockTableOptions,
  LockTableOutput,
  ReleaseRequest,
  Rejection,
  RenewRequest,
  Reply,
  Reservation,
} from './types.js'
import {Holder, rejections, standing} from './lock-rules.js'
import {WaitQueue} from './wait-queue.js'

interface Waiter {
  requestId: number
  name: string
  owner: string
  ttlMs: number
  enqueuedAt: number
  cancelled: boolean
  /** Its wait deadline in the heap, taken out when the wait ends another way. */
  deadline?: HeapEntry<Deadline>
}

interface Lock {
  holder: Holder | undefined
  queue: WaitQueue<Waiter>
  /** The lease-expiry deadline in the heap, due no later than the current holder's lease ends. */
  expiry: HeapEntry<Deadline> | undefined
}

/** `deadline` is the waiter's own; the heap key can be later when a reservation fsync delays it. */
type Deadline = {kind: 'wait'; waiter: Waiter; deadline: number} | {kind: 'lease'; name: string} | {kind: 'recovery'}

/** While only a reservation fsync holds up a waiter's grant, its wait is re-checked this often... */
const DISK_RECHECK_MS = 10
/** ...and ends anyway this long past its deadline, so a disk that never answers cannot hold a client forever. */
const DISK_GRACE_MS = 1_000

export interface LockTableStats extends LockStats {
  reservations: number
}

/**
 * Named locks with leases, FIFO wait queues and fencing tokens. Pure: the
 * caller passes time in, persists each `reserve` it is handed, and confirms
 * it with `reserved()`.
 *
 * Tokens come from one counter for all locks, so they strictly increase per
 * lock. Invariants: lastToken <= tokenLimit (the durable reservation), and
 * every granted lease expires no later than leaseHorizonMs (also durable), so
 * a restarted table starts above every issued token and grants nothing while
 * an old lease could still be valid.
 */
export class LockTable {
  readonly stats: LockTableStats = {grants: 0, timeouts: 0, releases: 0, renewals: 0, leasesExpired: 0, rejections: 0, reservations: 0}

  private readonly locks = new Map<string, Lock>()
  private readonly waiters = new Map<number, Waiter>()
  private readonly deadlines = new MinHeap<Deadline>()
  private readonly options: LockTableOptions

  private lastToken: number
  private tokenLimit: number
  private leaseHorizonMs: number
  private readonly recoveringUntilMs: number
  /**
   * The longest TTL asked for since the last reservation, a grant held up by
   * the horizon asking again: extensions reach past it. It is not the
   * all-time longest, so one long lease long ago does not make every later
   * restart wait that long.
   */
  private recentTtlMs = 0
  private lastTtlMs = 0
  private reservationInFlight: Reservation | undefined
  private wantReservation = false
  /** Locks whose next grant waits for a reservation or for recovery to end. */
  private readonly blocked = new Set<string>()
  private readonly blockedRenewals: RenewRequest[] = []
  private replies: Reply[] = []

  constructor(nowMs: number, recovered?: Reservation, options: Partial<LockTableOptions> = {}) {
    this.options = {...defaultLockTableOptions, ...options}
    this.lastToken = recovered?.tokenLimit ?? 0
    this.tokenLimit = this.lastToken
    this.leaseHorizonMs = recovered?.leaseHorizonMs ?? 0
    // A lease granted before the crash may be valid until the old horizon.
    this.recoveringUntilMs = this.leaseHorizonMs
    if (this.recoveringUntilMs > nowMs) this.deadlines.push(this.recoveringUntilMs, {kind: 'recovery'})
    this.wantReservation = true
  }

  acquire(req: AcquireRequest, nowMs: number): void {
    this.noteTtl(req.ttlMs)
    const lock = this.lockFor(req.name)
    this.expireHolder(lock, nowMs)
    if (lock.holder?.owner === req.owner) return this.reject(req.requestId, rejections.alreadyHeld(req.name, lock.holder))
    if (lock.queue.length >= this.options.maxWaitersPerLock) return this.reject(req.requestId, rejections.queueFull(req.name, lock.queue.length))
    const waiter: Waiter = {requestId: req.requestId, name: req.name, owner: req.owner, ttlMs: req.ttlMs, enqueuedAt: nowMs, cancelled: false}
    lock.queue.push(waiter)
    this.waiters.set(req.requestId, waiter)
    this.grantWaiting(req.name, lock, nowMs)
    if (!waiter.cancelled && this.waiters.has(req.requestId)) {
      waiter.deadline = this.deadlines.push(nowMs + req.waitMs, {kind: 'wait', waiter, deadline: nowMs + req.waitMs})
      this.scheduleExpiry(req.name, lock)
    }
  }

  renew(req: RenewRequest, nowMs: number): void {
    this.noteTtl(req.ttlMs)
    const lock = this.lockFor(req.name)
    const holder = this.currentHolder(req.name, lock, req.owner, req.token, req.requestId, nowMs)
    if (!holder) return this.forgetIfIdle(req.name, lock)
    const expiresAt = nowMs + req.ttlMs
    if (expiresAt > this.leaseHorizonMs) {
      this.blockedRenewals.push(req)
      this.wantReservation = true
      return
    }
    holder.expiresAt = Math.max(holder.expiresAt, expiresAt)
    this.stats.renewals++
    this.replies.push({type: 'renewed', requestId: req.requestId, expiresAt: holder.expiresAt})
  }

  release(req: ReleaseRequest, nowMs: number): void {
    const lock = this.lockFor(req.name)
    if (!this.currentHolder(req.name, lock, req.owner, req.token, req.requestId, nowMs)) return this.forgetIfIdle(req.name, lock)
    lock.holder = undefined
    this.stats.releases++
    // The next holder's grant goes out first: it is on the critical path of a contended lock.
    this.grantWaiting(req.name, lock, nowMs)
    this.replies.push({type: 'released', requestId: req.requestId})
  }

  /** The client behind a waiting request went away: it must not be granted. */
  cancel(requestId: number): void {
    const waiter = this.waiters.get(requestId)
    if (waiter) {
      this.removeWaiter(waiter)
      return
    }
    const i = this.blockedRenewals.findIndex((r) => r.requestId === requestId)
    if (i >= 0) this.blockedRenewals.splice(i, 1)
  }

  /** Confirms that `reservation` (handed out earlier) is durable. */
  reserved(reservation: Reservation, nowMs: number): void {
    this.reservationInFlight = undefined
    this.tokenLimit = Math.max(this.tokenLimit, reservation.tokenLimit)
    this.leaseHorizonMs = Math.max(this.leaseHorizonMs, reservation.leaseHorizonMs)
    this.stats.reservations++
    const renewals = this.blockedRenewals.splice(0)
    for (const req of renewals) this.renew(req, nowMs)
    this.unblock(nowMs)
  }

  /** Fires due deadlines: wait timeouts, lease expiries, the end of recovery. */
  tick(nowMs: number): void {
    while (this.deadlines.size > 0 && this.deadlines.peekKey()! <= nowMs) {
      const d = this.deadlines.pop()!
      switch (d.kind) {
        case 'wait':
          if (nowMs < d.deadline + DISK_GRACE_MS && this.waitsOnlyForDisk(d.waiter, nowMs)) {
            d.waiter.deadline = this.deadlines.push(nowMs + DISK_RECHECK_MS, d)
            break
          }
          // A granted or cancelled waiter took its deadline out of the heap, so this one still waits.
          invariant(this.waiters.get(d.waiter.requestId) === d.waiter, `wait deadline of request ${d.waiter.requestId} outlived its waiter`)
          this.removeWaiter(d.waiter)
          this.stats.timeouts++
          this.replies.push({type: 'timeout', requestId: d.waiter.requestId, waitedMs: nowMs - d.waiter.enqueuedAt})
          break
        case 'lease': {
          const lock = this.locks.get(d.name)
          if (!lock) break
          lock.expiry = undefined
          this.grantWaiting(d.name, lock, nowMs)
          this.scheduleExpiry(d.name, lock)
          break
        }
        case 'recovery':
          this.unblock(nowMs)
          break
      }
    }
    this.maybeExtendHorizon(nowMs)
  }

  /** When `tick` next has something to do, if anything. */
  nextDeadlineMs(): number | undefined {
    return this.deadlines.peekKey()
  }

  takeOutput(nowMs: number): LockTableOutput {
    this.maybeExtendHorizon(nowMs)
    const out: LockTableOutput = {replies: this.replies}
    this.replies = []
    if (this.wantReservation && !this.reservationInFlight) {
      this.wantReservation = false
      this.reservationInFlight = {
        // A horizon extension alone does not burn a block of tokens.
        tokenLimit: this.tokenLimit - this.lastToken <= this.options.tokenBlock / 2 ? this.lastToken + this.options.tokenBlock : this.tokenLimit,
        leaseHorizonMs: Math.max(this.leaseHorizonMs, nowMs + this.recentTtlMs + this.options.horizonStepMs),
      }
      this.recentTtlMs = this.lastTtlMs
      out.reserve = this.reservationInFlight
    }
    return out
  }

  inspect(name: string, nowMs: number): LockState {
    const lock = this.locks.get(name)
    const holder = lock?.holder && lock.holder.expiresAt > nowMs ? lock.holder : undefined
    return {name, holder: holder?.owner ?? null, token: holder?.token ?? null, expiresAt: holder?.expiresAt ?? null, waiting: lock?.queue.length ?? 0}
  }

  summary(nowMs: number) {
    let held = 0
    for (const lock of this.locks.values()) if (lock.holder && lock.holder.expiresAt > nowMs) held++
    return {
      locks: this.locks.size,
      held,
      waiting: this.waiters.size,
      lastToken: this.lastToken,
      tokenLimit: this.tokenLimit,
      leaseHorizonMs: this.leaseHorizonMs,
      recovering: nowMs < this.recoveringUntilMs,
      recoveringUntilMs: this.recoveringUntilMs,
      stats: {...this.stats},
    }
  }

  private lockFor(name: string): Lock {
    let lock = this.locks.get(name)
    if (!lock) {
      lock = {holder: undefined, queue: new WaitQueue(), expiry: undefined}
      this.locks.set(name, lock)
    }
    return lock
  }

  /** The holder when (owner, token) names a live lease; otherwise replies with the rejection. */
  private currentHolder(name: string, lock: Lock, owner: string, token: number, requestId: number, nowMs: number): Holder | undefined {
    switch (standing(lock.holder, owner, token, nowMs)) {
      case 'holds':
        return lock.holder
      case 'expired':
        this.expireHolder(lock, nowMs)
        this.reject(requestId, rejections.expired(name, token))
        this.grantWaiting(name, lock, nowMs)
        return undefined
      case 'not-holder':
        this.reject(requestId, rejections.notHolder(name, owner, token))
        return undefined
    }
  }

  private expireHolder(lock: Lock, nowMs: number): void {
    if (lock.holder && lock.holder.expiresAt <= nowMs) {
      lock.holder = undefined
      this.stats.leasesExpired++
    }
  }

  /** Grants the lock to the oldest waiter if it is free and the grant is covered by a durable reservation. */
  private grantWaiting(name: string, lock: Lock, nowMs: number): void {
    this.expireHolder(lock, nowMs)
    if (lock.holder) return
    const waiter = lock.queue.peek()
    if (!waiter) return this.forgetIfIdle(name, lock)
    const token = this.lastToken + 1
    const expiresAt = nowMs + waiter.ttlMs
    if (nowMs < this.recoveringUntilMs || token > this.tokenLimit || expiresAt > this.leaseHorizonMs) {
      this.blocked.add(name)
      // The waiter asked for its TTL maybe several reservations ago: ask again, or the next horizon falls short of it too.
      if (expiresAt > this.leaseHorizonMs) this.recentTtlMs = Math.max(this.recentTtlMs, waiter.ttlMs)
      if (nowMs >= this.recoveringUntilMs) this.wantReservation = true
      return
    }
    lock.queue.shift()
    this.waiters.delete(waiter.requestId)
    this.dropDeadline(waiter)
    this.lastToken = token
    lock.holder = {owner: waiter.owner, token, expiresAt}
    this.stats.grants++
    this.replies.push({type: 'granted', requestId: waiter.requestId, token, expiresAt, waitedMs: nowMs - waiter.enqueuedAt})
    this.scheduleExpiry(name, lock)
  }

  /**
   * A waiter first in line for a free lock is only waiting for a reservation
   * fsync: timing it out would fail a request on an idle lock. `reserved()`
   * grants it in a few milliseconds.
   */
  private waitsOnlyForDisk(waiter: Waiter, nowMs: number): boolean {
    const lock = this.locks.get(waiter.name)
    return (
      lock !== undefined &&
      !lock.holder &&
      lock.queue.peek() === waiter &&
      nowMs >= this.recoveringUntilMs &&
      (this.reservationInFlight !== undefined || this.wantReservation)
    )
  }

  /** A lease expiry only needs a deadline when someone is waiting behind it. */
  private scheduleExpiry(name: string, lock: Lock): void {
    if (!lock.holder || lock.queue.length === 0) return
    // One due earlier re-schedules when it fires; a new holder's shorter lease needs an earlier one.
    if (lock.expiry && lock.expiry.key <= lock.holder.expiresAt) return
    if (lock.expiry) this.deadlines.remove(lock.expiry)
    lock.expiry = this.deadlines.push(lock.holder.expiresAt, {kind: 'lease', name})
  }

  private unblock(nowMs: number): void {
    const names = [...this.blocked]
    this.blocked.clear()
    for (const name of names) {
      const lock = this.locks.get(name)
      if (lock) this.grantWaiting(name, lock, nowMs)
    }
  }

  private removeWaiter(waiter: Waiter): void {
    waiter.cancelled = true
    this.waiters.delete(waiter.requestId)
    this.dropDeadline(waiter)
    const lock = this.locks.get(waiter.name)
    if (!lock) return
    lock.queue.removed()
    this.forgetIfIdle(waiter.name, lock)
  }

  private dropDeadline(waiter: Waiter): void {
    if (waiter.deadline) this.deadlines.remove(waiter.deadline)
    waiter.deadline = undefined
  }

  /** A free lock with no waiters holds no state: tokens live in the global counter. */
  private forgetIfIdle(name: string, lock: Lock): void {
    if (!lock.holder && lock.queue.length === 0 && !lock.expiry) this.locks.delete(name)
  }

  private noteTtl(ttlMs: number): void {
    this.lastTtlMs = ttlMs
    if (ttlMs > this.recentTtlMs) this.recentTtlMs = ttlMs
  }

  /** Reserve ahead, so grants rarely wait for an fsync. */
  private maybeExtendHorizon(nowMs: number): void {
    if (nowMs < this.recoveringUntilMs) return
    const tokensLeft = this.tokenLimit - this.lastToken
    const horizonLeftMs = this.leaseHorizonMs - (nowMs + this.recentTtlMs)
    if (tokensLeft <= this.options.tokenBlock / 2 || horizonLeftMs < this.options.horizonStepMs / 2) this.wantReservation = true
  }

  private reject(requestId: number, rejection: Rejection): void {
    this.stats.rejections++
    this.replies.push({...rejection, requestId})
  }
}
