import {invariant, unreachable} from '../common/invariant.js'
import type {Rng} from '../common/rng.js'
import {retryDelayMs, type RetryPolicy} from '../common/backoff.js'
import {Deadlines} from './deadlines.js'
import type {FailpointName} from './failpoints.js'
import {KeyLocks} from './key-locks.js'
import {drain, Outbox, type OutputCounts, type Ready} from './outbox.js'
import type {
  DecidedOutcome,
  InDoubtTxn,
  Message,
  NodeId,
  Outcome,
  ParticipantCheckpoint,
  ParticipantLogRecord,
  PreparedRecord,
  PrepareMessage,
  ReadValue,
  ResolvedTxn,
  TxnId,
  VoteNoReason,
  Write,
} from './types.js'

export interface ParticipantConfig {
  id: NodeId
  /**
   * The committed value of a key, or undefined when absent, for checking
   * conditions. Contract: it reflects the writes of every `commit` record in
   * every Ready taken so far — the node applies a Ready's committed writes to
   * its in-memory table when it takes the Ready, before the next input.
   */
  readCommitted: (key: string) => string | undefined
  /** Jitter for outcome queries. */
  rng: Rng
  /** How long a prepared transaction waits for the decision before asking the coordinator. */
  queryAfterMs: number
  /** Backoff between outcome queries; they go on until the coordinator answers. */
  queryRetry: RetryPolicy
  /** How many decided transaction ids to remember, to tell a late duplicate prepare from a new one. */
  decidedMemory: number
}

export const defaultParticipantTiming = {
  queryAfterMs: 3_000,
  queryRetry: {initialMs: 200, maxMs: 5_000},
  decidedMemory: 100_000,
} satisfies Partial<ParticipantConfig>

export interface ParticipantReady extends Ready<ParticipantLogRecord> {
  /** Prepared transactions whose outcome arrived (how long each was in doubt, and how it ended). */
  resolved: ResolvedTxn[]
}

export interface ParticipantStats extends OutputCounts {
  votesYes: number
  votesNo: Record<VoteNoReason, number>
  committed: number
  aborted: number
  /** Prepared transactions restored from the log by `recover`. */
  recoveredInDoubt: number
}

interface PreparedTxn {
  txn: TxnId
  coordinator: NodeId
  writes: Write[]
  writeKeys: string[]
  readKeys: string[]
  /** The keys whose values go back with the vote (and with queries). */
  reads: string[]
  preparedAtMs: number
  recovered: boolean
  queried: boolean
  /** Queries so far; drives the backoff. */
  attempt: number
}

/** A prepare waiting for locks (PrepareMessage.lockWaitMs); its keys are reserved meanwhile. */
interface WaitingPrepare {
  m: PrepareMessage
  writeKeys: string[]
  readKeys: string[]
}

/**
 * A 2PC participant as a pure state machine. Votes are no-wait (see
 * key-locks.ts), unless a prepare asks for a bounded lock wait. Once it has voted yes a participant never decides on its
 * own: the transaction stays prepared, its keys locked, and it asks the
 * coordinator (with backoff, forever) until commit or abort arrives.
 */
export class Participant {
  private readonly outbox = new Outbox<ParticipantLogRecord>()
  private readonly resolved: ResolvedTxn[] = []
  private readonly prepared = new Map<TxnId, PreparedTxn>()
  /**
   * Recently decided transactions, oldest first, at most `decidedMemory`.
   * "aborted before prepare" is an abort for a txn not prepared here: not
   * proof of anything (it may be a stale answer about a txn committed and
   * forgotten long ago), only a reason to ignore a late prepare.
   */
  private readonly decided = new Map<TxnId, DecidedOutcome>()
  private readonly locks = new KeyLocks()
  private readonly queries = new Deadlines<TxnId>()
  /**
   * Prepares waiting for locks, and the keys they reserve: a new prepare that
   * conflicts with a reservation votes no at once (it may not queue behind
   * it either), so waiters never conflict with each other and a waiter is
   * granted as soon as the prepared transactions in its way are decided.
   * Waiters hold no locks, so there is no waits-for cycle; each wait is
   * bounded by its lockWaitMs. Not durable: a crash forgets them, and the
   * coordinator re-sends the prepare or times out.
   */
  private readonly waiting = new Map<TxnId, WaitingPrepare>()
  private readonly reserved = new KeyLocks()
  private readonly waitDeadlines = new Deadlines<TxnId>()
  /**
   * Set when a decision released locks while prepares wait: they are granted
   * at the next tick, not in the same step, because a commit's writes reach
   * readCommitted only once its Ready is taken, and a granted prepare reads them.
   */
  private grantDueMs: number | undefined
  private readonly counts = {votesYes: 0, committed: 0, aborted: 0, recoveredInDoubt: 0}
  private readonly votesNo: Record<VoteNoReason, number> = {conflict: 0, 'condition failed': 0}

  constructor(private readonly config: ParticipantConfig) {}

  /**
   * A participant restarted on its log. A `prepared` record with no decision
   * after it is in doubt: its locks are taken again and the coordinator is
   * asked at once. The node first loads its checkpointed table and replays
   * the `commit` records' writes into it (config.readCommitted reads it) and
   * then calls this with the records written after its checkpoint.
   */
  static recover(config: ParticipantConfig, records: readonly ParticipantLogRecord[], nowMs: number, checkpoint?: ParticipantCheckpoint): Participant {
    const participant = new Participant(config)
    for (const [txn, outcome] of checkpoint?.decided ?? []) participant.remember(txn, outcome)
    const inDoubt = new Map<TxnId, PreparedRecord>()
    for (const record of [...(checkpoint?.inDoubt ?? []), ...records]) {
      switch (record.type) {
        case 'prepared':
          inDoubt.set(record.txn, record)
          break
        case 'commit':
        case 'abort':
          inDoubt.delete(record.txn)
          participant.remember(record.txn, record.type === 'commit' ? 'committed' : 'aborted')
          break
        default:
          unreachable(record)
      }
    }
    for (const r of inDoubt.values()) {
      participant.counts.recoveredInDoubt++
      // Cannot conflict: locks were held from PREPARED to the decision, and the log is durable in order.
      participant.hold({txn: r.txn, coordinator: r.coordinator, writes: r.writes, readKeys: r.readKeys, reads: r.reads ?? [], preparedAtMs: r.atMs, recovered: true}, nowMs)
    }
    participant.tick(nowMs)
    return participant
  }

  /**
   * What `recover` needs of everything logged so far: the transactions in
   * doubt (their PREPARED records) and the remembered decisions. A commit's
   * writes are the node's table, which it checkpoints beside this. The
   * decisions go along (at most decidedMemory, as without checkpoints) so
   * that a restart does not shorten how long a late duplicate prepare is
   * recognised; nobody asks a participant for a decision.
   */
  checkpoint(): ParticipantCheckpoint {
    const inDoubt = [...this.prepared.values()].map(
      (p): PreparedRecord => ({type: 'prepared', txn: p.txn, coordinator: p.coordinator, writes: p.writes, readKeys: p.readKeys, ...readsField(p.reads), atMs: p.preparedAtMs}),
    )
    return {inDoubt, decided: [...this.decided]}
  }

  arm(failpoint: FailpointName): void {
    this.outbox.arm(failpoint)
  }

  step(m: Message, nowMs: number): void {
    if (this.outbox.halted) return
    switch (m.type) {
      case 'prepare':
        return this.onPrepare(m, nowMs)
      case 'commit':
        return this.onDecision(m, 'committed', nowMs)
      case 'abort':
        return this.onDecision(m, 'aborted', nowMs)
      case 'vote-yes':
      case 'vote-no':
      case 'ack':
      case 'query':
        return // addressed to the coordinator; a misrouted message changes nothing
      default:
        unreachable(m)
    }
  }

  /** Outcome queries for transactions prepared too long. Call at `nextWakeMs()` or on any periodic timer. */
  tick(nowMs: number): void {
    if (this.grantDueMs !== undefined && this.grantDueMs <= nowMs) {
      this.grantDueMs = undefined
      this.grantWaiting(nowMs)
    }
    for (const txn of this.waitDeadlines.due(nowMs)) {
      if (this.outbox.halted) return
      const w = this.waiting.get(txn)
      if (!w) continue
      this.stopWaiting(w)
      const conflict = this.locks.conflict(txn, w.writeKeys, w.readKeys)
      this.voteNo(w.m, 'conflict', `waited ${w.m.lockWaitMs} ms; key "${conflict?.key}" is still locked by txn ${conflict?.holder}`)
    }
    for (const txn of this.queries.due(nowMs)) {
      if (this.outbox.halted) return
      const p = this.prepared.get(txn)
      if (!p) continue
      p.queried = true
      this.outbox.message({type: 'query', ...this.to(p.txn, p.coordinator), ...this.values(p.reads)})
      this.queries.set(txn, nowMs + retryDelayMs(p.attempt++, this.config.queryRetry, this.config.rng))
    }
  }

  ready(): ParticipantReady {
    return {...this.outbox.take(), resolved: drain(this.resolved)}
  }

  nextWakeMs(): number | undefined {
    return earliest(this.grantDueMs, earliest(this.queries.next(), this.waitDeadlines.next()))
  }

  inDoubt(): InDoubtTxn[] {
    return [...this.prepared.values()].map((p) => ({
      txn: p.txn,
      coordinator: p.coordinator,
      sinceMs: p.preparedAtMs,
      keyCount: p.writeKeys.length + p.readKeys.length,
      recovered: p.recovered,
    }))
  }

  get lockedKeyCount(): number {
    return this.locks.lockedKeyCount
  }

  get stats(): ParticipantStats {
    return {
      ...this.counts,
      votesNo: {...this.votesNo},
      ...this.outbox.counts(),
    }
  }

  private onPrepare(m: PrepareMessage, nowMs: number): void {
    const p = this.prepared.get(m.txn)
    if (p) {
      // A re-sent prepare: the PREPARED record is already durable (or in an earlier Ready).
      this.counts.votesYes++
      return this.outbox.message({type: 'vote-yes', ...this.to(m.txn, m.from), ...this.values(p.reads)})
    }
    // Already waiting for its locks, or a late duplicate of a decided transaction (the coordinator no longer waits for a vote).
    if (this.waiting.has(m.txn) || this.decided.has(m.txn)) return
    const writeKeys = m.writes.map((w) => w.key)
    const readKeys = [...new Set([...m.conditions.map((c) => c.key), ...(m.reads ?? [])])].filter((key) => !writeKeys.includes(key))
    const reservedBy = this.reserved.conflict(m.txn, writeKeys, readKeys)
    if (reservedBy) return this.voteNo(m, 'conflict', `key "${reservedBy.key}" is reserved by txn ${reservedBy.holder}, which waits for it`)
    const conflict = this.locks.conflict(m.txn, writeKeys, readKeys)
    if (conflict && (m.lockWaitMs ?? 0) > 0) {
      this.reserved.acquire(m.txn, writeKeys, readKeys)
      this.waiting.set(m.txn, {m, writeKeys, readKeys})
      this.waitDeadlines.set(m.txn, nowMs + m.lockWaitMs!)
      return
    }
    if (conflict) return this.voteNo(m, 'conflict', `key "${conflict.key}" is locked by txn ${conflict.holder}`)
    this.prepare(m, writeKeys, readKeys, nowMs)
  }

  /** Takes the locks (free by now), checks the conditions and votes. */
  private prepare(m: PrepareMessage, writeKeys: string[], readKeys: string[], nowMs: number): void {
    for (const c of m.conditions) {
      const actual = this.config.readCommitted(c.key) ?? null
      if (actual !== c.value) {
        return this.voteNo(m, 'condition failed', `key "${c.key}" is ${JSON.stringify(actual)}, expected ${JSON.stringify(c.value)}`)
      }
    }
    const reads = m.reads ?? []
    this.hold({txn: m.txn, coordinator: m.from, writes: m.writes, readKeys, reads, preparedAtMs: nowMs, recovered: false}, nowMs + this.config.queryAfterMs)
    // A yes vote promises to commit if told to, even after a crash, so the
    // writes must be durable before it leaves (R* §2; Gray & Reuter §10.3).
    this.outbox.record({type: 'prepared', txn: m.txn, coordinator: m.from, writes: m.writes, readKeys, ...readsField(reads), atMs: nowMs}, true)
    if (this.outbox.reached('participant.after-prepare-logged')) return
    this.counts.votesYes++
    // The values are final: the keys stay locked shared until the decision (strict two-phase locking).
    this.outbox.message({type: 'vote-yes', ...this.to(m.txn, m.from), ...this.values(reads)})
  }

  /** Grants waiting prepares whose locks are free (after a decision released some). */
  private grantWaiting(nowMs: number): void {
    for (const w of this.waiting.values()) {
      if (this.outbox.halted) return
      if (this.locks.conflict(w.m.txn, w.writeKeys, w.readKeys)) continue
      this.stopWaiting(w)
      this.prepare(w.m, w.writeKeys, w.readKeys, nowMs)
    }
  }

  private stopWaiting(w: WaitingPrepare): void {
    this.waiting.delete(w.m.txn)
    this.waitDeadlines.clear(w.m.txn)
    this.reserved.release(w.m.txn, w.writeKeys, w.readKeys)
  }

  /**
   * The committed values of `reads`, as a message field (none when it reads
   * nothing). readCommitted may include a commit whose COMMIT record is not
   * durable yet; the message carrying these values leaves only after it is
   * (the node releases Readies in order), so no read can go backwards.
   */
  private values(reads: readonly string[]): {values?: ReadValue[]} {
    return reads.length === 0 ? {} : {values: reads.map((key) => ({key, value: this.config.readCommitted(key) ?? null}))}
  }

  private onDecision(m: Message, outcome: Outcome, nowMs: number): void {
    const waiting = this.waiting.get(m.txn)
    if (waiting) {
      // The coordinator gave up on this transaction while its prepare waited here: it never voted.
      invariant(outcome === 'aborted', `participant ${this.config.id}: commit for txn ${m.txn}, which never voted yes here`)
      this.stopWaiting(waiting)
    }
    const p = this.prepared.get(m.txn)
    if (!p) {
      // Decided already, or never prepared here (an abort to a participant
      // that voted no or never got the prepare): nothing to do but ack. An
      // abort for a txn committed here is a stale answer to an old query,
      // sent after the coordinator finished and forgot the txn.
      invariant(!(outcome === 'committed' && this.decided.get(m.txn) === 'aborted'), `participant ${this.config.id}: commit for txn ${m.txn}, which it aborted`)
      // Remembered so that its prepare, if still on the way, is not taken up.
      if (outcome === 'aborted' && !this.decided.has(m.txn)) this.remember(m.txn, 'aborted before prepare')
      return this.outbox.message({type: 'ack', outcome, ...this.to(m.txn, m.from)})
    }
    this.prepared.delete(m.txn)
    this.queries.clear(m.txn)
    this.locks.release(m.txn, p.writeKeys, p.readKeys)
    this.remember(m.txn, outcome)
    if (this.waiting.size > 0) this.grantDueMs ??= nowMs
    this.resolved.push({
      txn: m.txn,
      outcome,
      preparedAtMs: p.preparedAtMs,
      decidedAtMs: nowMs,
      keyCount: p.writeKeys.length + p.readKeys.length,
      recovered: p.recovered,
      queried: p.queried,
    })
    if (outcome === 'committed') {
      this.counts.committed++
      // Forced: the ack lets the coordinator write END and forget the txn, so
      // the writes must be durable first (they are applied from this record).
      this.outbox.record({type: 'commit', txn: m.txn, writes: p.writes}, true)
      if (this.outbox.reached('participant.after-commit-logged')) return
    } else {
      this.counts.aborted++
      // Not forced: if it is lost, the restarted participant asks again and hears "abort" (presumed).
      this.outbox.record({type: 'abort', txn: m.txn}, false)
    }
    this.outbox.message({type: 'ack', outcome, ...this.to(m.txn, m.from)})
  }

  private voteNo(m: PrepareMessage, reason: VoteNoReason, detail: string): void {
    // Nothing is locked or logged: voting no is a unilateral abort (no state to keep).
    this.votesNo[reason]++
    this.outbox.message({type: 'vote-no', reason, detail, ...this.to(m.txn, m.from)})
  }

  private hold(p: Omit<PreparedTxn, 'writeKeys' | 'queried' | 'attempt'>, firstQueryMs: number): void {
    const writeKeys = p.writes.map((w) => w.key)
    this.locks.acquire(p.txn, writeKeys, p.readKeys)
    this.prepared.set(p.txn, {...p, writeKeys, queried: false, attempt: 0})
    this.queries.set(p.txn, firstQueryMs)
  }

  private to(txn: TxnId, to: NodeId): {txn: TxnId; from: NodeId; to: NodeId} {
    return {txn, from: this.config.id, to}
  }

  private remember(txn: TxnId, outcome: DecidedOutcome): void {
    this.decided.set(txn, outcome)
    if (this.decided.size > this.config.decidedMemory) this.decided.delete(this.decided.keys().next().value!)
  }
}

/** PreparedRecord.reads, left out when empty. */
function readsField(reads: readonly string[]): {reads?: string[]} {
  return reads.length === 0 ? {} : {reads: [...reads]}
}

/** The earlier of two optional deadlines (called after every input: no arrays). */
function earliest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b)
}
