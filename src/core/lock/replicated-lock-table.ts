/**
 * The replicated lock's state machine: the lock server's named locks, leases,
 * FIFO wait queues and owner checks, driven by Raft log entries instead of
 * requests and a clock. Every replica applies the same commands in log order
 * and reaches the same state; `apply` reads nothing but its arguments.
 *
 * ## Why it is safe
 *
 * Time enters through the log. Each command carries `at`, a reading of the
 * proposing leader's wall clock taken after the client's request arrived
 * (for `expire` and `timeout`: when the leader saw the deadline pass). The
 * machine's time is the largest `at` applied so far, so it never goes back,
 * and every rule below reads that time, never a replica's own clock.
 *
 * A grant applied at machine time T with ttl gives the lease [T, T + ttl]
 * and answers `expiresAt = T + ttl` (a renewal moves it to at least its own
 * T' + ttl). The lock is freed only by (a) a release naming the holder's
 * owner and token, or (b) an entry applied at machine time >= expiresAt (an
 * `expire`, or any command on the lock). In case (b) some `at` >= expiresAt
 * was read from a real clock before that entry existed, so the next holder
 * is granted at real time >= expiresAt: two leases of one lock never
 * overlap in real time. No leader lease is needed for this, because expiry
 * is decided by a committed entry, not by any node's local view. Whatever a
 * leader proposes, current or deposed, applies against the state the log
 * has reached at its index: a stale `expire` (its leader had not yet seen a
 * renewal, or has lost the lead since) frees a lease only if that lease had
 * ended by the real clock reading it carries.
 *
 * The clock assumption: all nodes and clients read one wall clock within a
 * bound e. On one machine they read the same clock (e = 0). Across machines
 * set `clockSkewMs` to e: a lock then stays occupied until machine time
 * expiresAt + e, so the next grant is proposed when its leader's clock reads
 * at least that, which is when every other clock reads at least expiresAt.
 *
 * Fencing tokens are the log index of the entry that granted them (one
 * command per entry, and an entry grants at most one lock). Raft commits an
 * index once, with the same entry on every replica, and replicas apply in
 * index order, so tokens strictly increase per lock across leader changes
 * and restarts. They need no fsync of their own: the entry was made durable
 * on a majority before it committed, and a restarted replica replays its log
 * or restores a snapshot that records the last index applied.
 *
 * What a client must do: stop using the lock before its lease ends, counting
 * either from when it sent the request (send time + ttl, no later than
 * expiresAt since T was read after the request arrived) or to the answered
 * expiresAt by its own clock (the margin e covers the clocks' difference);
 * and pass the token to the resource it protects, which rejects a token
 * lower than one it has seen. Only the token protects against a client
 * paused past its lease (a GC pause): it cannot notice its lease ended.
 *
 * ## The leader's part
 *
 * Deadlines are not applied by the clock but proposed: `due(now)` lists the
 * `expire` (a lease ended with someone waiting) and `timeout` (a wait ran
 * out) commands a leader should propose; a lease with nobody waiting ends
 * lazily when the next command on its lock applies. A deadline stays due
 * until its command applies, so a leader that has proposed it waits for
 * the apply (or a retry interval) before proposing it again.
 */
import {invariant, unreachable} from '../common/invariant.js'
import {HeapEntry, MinHeap} from '../common/min-heap.js'
import {Holder, rejections, standing} from './lock-rules.js'
import {defaultLockTableOptions, LockReply, LockState, LockStats, Rejection} from './types.js'
import {WaitQueue} from './wait-queue.js'

/**
 * One command per log entry. `at` is the proposing leader's wall clock (ms).
 * `requester` is unique across the cluster, chosen by the replica that holds
 * the client's request, so that it can route the answer, which may come from
 * a later entry. An acquire by an owner already waiting on that lock (a
 * retry after a leader change) takes over the waiter: its requester, ttl and
 * deadline, keeping its place in line; the earlier requester is answered
 * `superseded`. An acquire by the holder is refused `already-held`.
 */
export type LockCommand =
  | {op: 'acquire'; at: number; requester: string; name: string; owner: string; ttlMs: number; waitMs: number}
  | {op: 'renew'; at: number; requester: string; name: string; owner: string; token: number; ttlMs: number}
  | {op: 'release'; at: number; requester: string; name: string; owner: string; token: number}
  /** The holder's lease ended by the leader's clock and someone waits: no-op unless expiresAt <= the machine's time. */
  | {op: 'expire'; at: number; name: string}
  /** A waiter's wait ended by the leader's clock: no-op unless it still waits and its deadline <= the machine's time. */
  | {op: 'timeout'; at: number; requester: string}
  /** The client behind a waiting acquire went away: no-op unless it still waits. */
  | {op: 'cancel'; at: number; requester: string}

export interface LockAnswer {
  requester: string
  reply: LockReply
}

export interface ReplicatedLockOptions {
  /** Bound on waiters per lock, as the lock server's. */
  maxWaitersPerLock: number
  /** How long past a lease's end its lock stays occupied: the bound on clock skew between nodes and clients. */
  clockSkewMs: number
}

interface Waiter {
  requester: string
  name: string
  owner: string
  ttlMs: number
  enqueuedAt: number
  /** The acquire's at + waitMs. */
  deadlineMs: number
  cancelled: boolean
  wait?: HeapEntry<Deadline>
}

interface Lock {
  holder: Holder | undefined
  queue: WaitQueue<Waiter>
  /** Its waiters by owner: an owner waits at most once per lock. */
  byOwner: Map<string, Waiter>
  /** The end of the holder's lease, in the heap only while someone waits behind it. */
  expiry: HeapEntry<Deadline> | undefined
}

type Deadline = {kind: 'lease'; name: string} | {kind: 'wait'; waiter: Waiter}

/** What `serialize` writes: the whole state but the deadline heap, which follows from it. */
interface Snapshot {
  timeMs: number
  lastIndex: number
  lastToken: number
  stats: LockStats
  locks: Array<{name: string; holder: Holder | null; waiters: Array<Omit<Waiter, 'name' | 'cancelled' | 'wait'>>}>
}

const noStats = (): LockStats => ({grants: 0, timeouts: 0, releases: 0, renewals: 0, leasesExpired: 0, rejections: 0})

export class ReplicatedLockTable {
  private readonly options: ReplicatedLockOptions
  private stats = noStats()
  private readonly locks = new Map<string, Lock>()
  private readonly waiters = new Map<string, Waiter>()
  /** Exactly the deadlines `due` reports: one per waiter, one per held lock with waiters. */
  private deadlines = new MinHeap<Deadline>()
  /** Invariant: never decreases; the largest `at` applied. */
  private timeMs = 0
  /** Invariant: entries apply in strictly increasing index order. */
  private lastIndex = 0
  /** The last token granted on any lock; a grant's token is its entry's index, so this only grows. */
  private lastToken = 0
  private answers: LockAnswer[] = []

  constructor(options: Partial<ReplicatedLockOptions> = {}) {
    this.options = {maxWaitersPerLock: defaultLockTableOptions.maxWaitersPerLock, clockSkewMs: 0, ...options}
  }

  /** Applies the command of the committed entry at `index`; the answers to route to their requesters. */
  apply(command: LockCommand, index: number): LockAnswer[] {
    invariant(index > this.lastIndex, `entry ${index} applied after entry ${this.lastIndex}`)
    this.lastIndex = index
    this.timeMs = Math.max(this.timeMs, command.at)
    switch (command.op) {
      case 'acquire':
        this.acquire(command)
        break
      case 'renew':
        this.renew(command)
        break
      case 'release':
        this.release(command)
        break
      case 'expire': {
        const lock = this.locks.get(command.name)
        if (lock) this.settle(command.name, lock)
        break
      }
      case 'timeout': {
        const waiter = this.waiters.get(command.requester)
        if (waiter && waiter.deadlineMs <= this.timeMs) this.timeOut(waiter)
        break
      }
      case 'cancel': {
        const waiter = this.waiters.get(command.requester)
        if (waiter) this.removeWaiter(waiter)
        break
      }
      default:
        unreachable(command)
    }
    const answers = this.answers
    this.answers = []
    return answers
  }

  /** The `expire` and `timeout` commands a leader whose clock reads `nowMs` should propose, earliest deadline first. */
  due(nowMs: number): LockCommand[] {
    return this.deadlines
      .upTo(nowMs)
      .sort((a, b) => a.key - b.key)
      .map(({value: d}): LockCommand => (d.kind === 'lease' ? {op: 'expire', at: nowMs, name: d.name} : {op: 'timeout', at: nowMs, requester: d.waiter.requester}))
  }

  /** When `due` next has something, if ever. */
  nextDeadlineMs(): number | undefined {
    return this.deadlines.peekKey()
  }

  inspect(name: string, nowMs: number): LockState {
    const lock = this.locks.get(name)
    const holder = lock?.holder && lock.holder.expiresAt > nowMs ? lock.holder : undefined
    return {name, holder: holder?.owner ?? null, token: holder?.token ?? null, expiresAt: holder?.expiresAt ?? null, waiting: lock?.queue.length ?? 0}
  }

  summary(nowMs: number): Record<string, unknown> {
    let held = 0
    for (const lock of this.locks.values()) if (lock.holder && lock.holder.expiresAt > nowMs) held++
    return {locks: this.locks.size, held, waiting: this.waiters.size, lastIndex: this.lastIndex, lastToken: this.lastToken, timeMs: this.timeMs, stats: {...this.stats}}
  }

  serialize(): string {
    const snapshot: Snapshot = {
      timeMs: this.timeMs,
      lastIndex: this.lastIndex,
      lastToken: this.lastToken,
      stats: this.stats,
      locks: [...this.locks].map(([name, lock]) => ({
        name,
        holder: lock.holder ?? null,
        waiters: [...lock.queue].map(({requester, owner, ttlMs, enqueuedAt, deadlineMs}) => ({requester, owner, ttlMs, enqueuedAt, deadlineMs})),
      })),
    }
    return JSON.stringify(snapshot)
  }

  /** Replaces the whole state with `serialize`'s ('' is the empty state). */
  restore(serialized: string): void {
    this.locks.clear()
    this.waiters.clear()
    this.deadlines = new MinHeap()
    const s: Snapshot = serialized === '' ? {timeMs: 0, lastIndex: 0, lastToken: 0, stats: noStats(), locks: []} : (JSON.parse(serialized) as Snapshot)
    this.timeMs = s.timeMs
    this.lastIndex = s.lastIndex
    this.lastToken = s.lastToken
    this.stats = {...s.stats}
    for (const {name, holder, waiters} of s.locks) {
      const lock = this.lockFor(name)
      lock.holder = holder ?? undefined
      for (const w of waiters) this.enqueue(lock, {...w, name, cancelled: false})
      this.scheduleExpiry(name, lock)
    }
  }

  private acquire(c: Extract<LockCommand, {op: 'acquire'}>): void {
    const lock = this.lockFor(c.name)
    let waiter = lock.byOwner.get(c.owner)
    if (waiter) {
      // A retry (say after a leader change) takes the earlier request's place in line rather than queueing twice.
      this.waiters.delete(waiter.requester)
      if (waiter.requester !== c.requester) this.reject(waiter.requester, rejections.superseded(c.name, c.owner))
      this.dropWait(waiter)
      waiter.requester = c.requester
      waiter.ttlMs = c.ttlMs
      waiter.deadlineMs = c.at + c.waitMs
      this.waiters.set(c.requester, waiter)
      waiter.wait = this.deadlines.push(waiter.deadlineMs, {kind: 'wait', waiter})
    } else {
      this.endLease(lock)
      if (lock.holder?.owner === c.owner) return this.reject(c.requester, rejections.alreadyHeld(c.name, lock.holder))
      if (lock.queue.length >= this.options.maxWaitersPerLock) {
        this.reject(c.requester, rejections.queueFull(c.name, lock.queue.length))
        return this.settle(c.name, lock)
      }
      waiter = {requester: c.requester, name: c.name, owner: c.owner, ttlMs: c.ttlMs, enqueuedAt: this.timeMs, deadlineMs: c.at + c.waitMs, cancelled: false}
      this.enqueue(lock, waiter)
    }
    this.settle(c.name, lock)
    // Not granted, and its wait has already run out (waitMs 0): answer now, not after a timeout entry.
    if (this.waiters.get(c.requester) === waiter && waiter.deadlineMs <= this.timeMs) this.timeOut(waiter)
  }

  private renew(c: Extract<LockCommand, {op: 'renew'}>): void {
    const lock = this.locks.get(c.name)
    const holder = this.currentHolder(c.requester, lock, c.name, c.owner, c.token)
    if (!lock || !holder) return
    holder.expiresAt = Math.max(holder.expiresAt, this.timeMs + c.ttlMs)
    this.stats.renewals++
    this.answer(c.requester, {type: 'renewed', expiresAt: holder.expiresAt})
    this.scheduleExpiry(c.name, lock)
  }

  private release(c: Extract<LockCommand, {op: 'release'}>): void {
    const lock = this.locks.get(c.name)
    if (!lock || !this.currentHolder(c.requester, lock, c.name, c.owner, c.token)) return
    lock.holder = undefined
    this.stats.releases++
    // The next holder's grant goes first, as the lock server's: it is on the critical path of a contended lock.
    this.settle(c.name, lock)
    this.answer(c.requester, {type: 'released'})
  }

  /** The holder when (owner, token) names its live lease; otherwise answers the rejection, as the lock server does. */
  private currentHolder(requester: string, lock: Lock | undefined, name: string, owner: string, token: number): Holder | undefined {
    const s = standing(lock?.holder, owner, token, this.timeMs)
    if (s === 'holds') return lock!.holder
    this.reject(requester, s === 'expired' ? rejections.expired(name, token) : rejections.notHolder(name, owner, token))
    if (lock) this.settle(name, lock)
    return undefined
  }

  /** Ends an ended lease, grants the lock to its oldest waiter if free, and keeps the lock's deadline and entry right. */
  private settle(name: string, lock: Lock): void {
    this.endLease(lock)
    const waiter = lock.holder ? undefined : lock.queue.peek()
    if (waiter) this.grant(lock, waiter)
    this.scheduleExpiry(name, lock)
    if (!lock.holder && lock.queue.length === 0) this.locks.delete(name)
  }

  private endLease(lock: Lock): void {
    if (lock.holder && lock.holder.expiresAt + this.options.clockSkewMs <= this.timeMs) {
      lock.holder = undefined
      this.stats.leasesExpired++
    }
  }

  private grant(lock: Lock, waiter: Waiter): void {
    // The token is the entry's index: at most one grant per entry, so it names this grant alone.
    const token = this.lastIndex
    invariant(token > this.lastToken, `token ${token} granted after token ${this.lastToken}`)
    this.lastToken = token
    lock.queue.shift()
    this.forget(lock, waiter)
    lock.holder = {owner: waiter.owner, token, expiresAt: this.timeMs + waiter.ttlMs}
    this.stats.grants++
    this.answer(waiter.requester, {type: 'granted', token, expiresAt: lock.holder.expiresAt, waitedMs: this.timeMs - waiter.enqueuedAt})
  }

  private timeOut(waiter: Waiter): void {
    this.removeWaiter(waiter)
    this.stats.timeouts++
    this.answer(waiter.requester, {type: 'timeout', waitedMs: this.timeMs - waiter.enqueuedAt})
  }

  private enqueue(lock: Lock, waiter: Waiter): void {
    lock.queue.push(waiter)
    lock.byOwner.set(waiter.owner, waiter)
    this.waiters.set(waiter.requester, waiter)
    waiter.wait = this.deadlines.push(waiter.deadlineMs, {kind: 'wait', waiter})
  }

  private removeWaiter(waiter: Waiter): void {
    const lock = this.locks.get(waiter.name)!
    waiter.cancelled = true
    lock.queue.removed()
    this.forget(lock, waiter)
    this.scheduleExpiry(waiter.name, lock)
    if (!lock.holder && lock.queue.length === 0) this.locks.delete(waiter.name)
  }

  /** Takes a waiter that left the queue out of the indexes. */
  private forget(lock: Lock, waiter: Waiter): void {
    lock.byOwner.delete(waiter.owner)
    this.waiters.delete(waiter.requester)
    this.dropWait(waiter)
  }

  private dropWait(waiter: Waiter): void {
    if (waiter.wait) this.deadlines.remove(waiter.wait)
    waiter.wait = undefined
  }

  /** A lease's end is a deadline only while someone waits behind it. */
  private scheduleExpiry(name: string, lock: Lock): void {
    const due = lock.holder && lock.queue.length > 0 ? lock.holder.expiresAt + this.options.clockSkewMs : undefined
    if (lock.expiry?.key === due) return
    if (lock.expiry) this.deadlines.remove(lock.expiry)
    lock.expiry = due === undefined ? undefined : this.deadlines.push(due, {kind: 'lease', name})
  }

  private lockFor(name: string): Lock {
    let lock = this.locks.get(name)
    if (!lock) {
      lock = {holder: undefined, queue: new WaitQueue(), byOwner: new Map(), expiry: undefined}
      this.locks.set(name, lock)
    }
    return lock
  }

  private reject(requester: string, rejection: Rejection): void {
    this.stats.rejections++
    this.answer(requester, rejection)
  }

  private answer(requester: string, reply: LockReply): void {
    this.answers.push({requester, reply})
  }
}
