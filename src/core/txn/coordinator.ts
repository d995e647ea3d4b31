import {invariant, unreachable} from '../common/invariant.js'
import type {Rng} from '../common/rng.js'
import {retryDelayMs, type RetryPolicy} from '../common/backoff.js'
import {Deadlines} from './deadlines.js'
import type {FailpointName} from './failpoints.js'
import {drain, Outbox, type OutputCounts, type Ready} from './outbox.js'
import {NO_READS, splitByOwner, txnRequestError} from './request.js'
import type {
  AbortReason,
  ClientResult,
  Condition,
  CoordinatorLogRecord,
  FinishedTxn,
  Message,
  NodeId,
  Outcome,
  PrepareMessage,
  ReadRequest,
  ReadValue,
  TxnId,
  TxnTimeline,
  Write,
} from './types.js'

export interface CoordinatorConfig {
  id: NodeId
  /** The participant that owns a key (a pure function of the key). */
  ownerOf: (key: string) => NodeId
  /** Jitter for re-sends. */
  rng: Rng
  /** Phase 1 is bounded: a transaction without every vote by then aborts with reason `timeout`. */
  prepareTimeoutMs: number
  /** Re-sends of unanswered prepares (phase 1) and of decisions until acknowledged (phase 2). */
  retry: RetryPolicy
}

export const defaultCoordinatorTiming = {
  prepareTimeoutMs: 2_000,
  retry: {initialMs: 100, maxMs: 5_000},
} satisfies Partial<CoordinatorConfig>

export interface CoordinatorReady extends Ready<CoordinatorLogRecord> {
  /** Answers to `begin`. Release them only after `persist` is durable (a commit answer needs its COMMIT record). */
  results: ClientResult[]
  /** Transactions the coordinator is done with (for per-phase latency and recovery time). */
  finished: FinishedTxn[]
}

export interface CoordinatorStats extends OutputCounts {
  begun: number
  committed: number
  aborted: Record<AbortReason, number>
  /** COMMIT records without END found by `recover`, re-driven to the end. */
  recoveredCommits: number
}

type Phase = 'preparing' | 'committing' | 'aborting'

interface ParticipantProgress {
  /** Kept for re-sends in phase 1; a recovered transaction no longer needs it. */
  prepare: PrepareMessage | undefined
  /** Voted yes, or asked for the outcome (which only a prepared participant does). */
  prepared: boolean
  /** Acknowledged the decision, or voted no (it holds nothing to undo). */
  done: boolean
  /** The values of its share of the reads, from the vote (or query) that made it prepared. */
  values: ReadValue[]
}

interface ActiveTxn {
  txn: TxnId
  phase: Phase
  participants: Map<NodeId, ParticipantProgress>
  /** The keys the client asked to read, in its order (empty for a re-driven transaction: its client was answered). */
  reads: readonly string[]
  prepareDeadlineMs: number
  /** Re-sends so far; drives the backoff. */
  attempt: number
  recovered: boolean
  timeline: TxnTimeline
  /** The COMMIT record, once the transaction decided commit (what a checkpoint keeps of it). */
  commitRecord: CommitRecord | undefined
}

type CommitRecord = Extract<CoordinatorLogRecord, {type: 'commit'}>

/**
 * The 2PC coordinator with presumed abort, as a pure state machine: it is
 * driven by `begin`, `step` (a message from a participant), `undeliverable`
 * (a send failed outright) and `tick`, and says what to do through `ready()`.
 *
 * Rule for outcome queries (a participant asks only while it holds a durable
 * PREPARED record): the coordinator answers `abort` only for a transaction it
 * has aborted or does not know. It never answers `abort` for a transaction it
 * might still commit: a query for a transaction in phase 1 counts as that
 * participant's yes vote (it is exactly the promise a yes vote makes), and the
 * answer is the decision, sent to everyone when it is made. "Does not know"
 * is safe to presume aborted because a commit exists only as a durable COMMIT
 * record, which `recover` loads, and transaction ids are never reused.
 */
export class Coordinator {
  private readonly outbox = new Outbox<CoordinatorLogRecord>()
  private readonly results: ClientResult[] = []
  private readonly finished: FinishedTxn[] = []
  private readonly active = new Map<TxnId, ActiveTxn>()
  /** Per transaction: the next re-send, or the end of phase 1 if sooner. */
  private readonly wakeups = new Deadlines<TxnId>()
  private readonly counts = {begun: 0, committed: 0, recoveredCommits: 0}
  private readonly aborted: Record<AbortReason, number> = {conflict: 0, 'condition failed': 0, 'participant down': 0, timeout: 0}

  constructor(private readonly config: CoordinatorConfig) {}

  /**
   * A coordinator restarted on its log: every COMMIT without an END is
   * re-driven (commit re-sent until acknowledged, then END); a transaction
   * with no COMMIT record is presumed aborted and needs nothing.
   */
  static recover(config: CoordinatorConfig, records: readonly CoordinatorLogRecord[], nowMs: number): Coordinator {
    const coordinator = new Coordinator(config)
    const unfinished = new Map<TxnId, CommitRecord>()
    for (const record of records) {
      switch (record.type) {
        case 'commit':
          unfinished.set(record.txn, record)
          break
        case 'end':
          unfinished.delete(record.txn)
          break
        default:
          unreachable(record)
      }
    }
    for (const record of unfinished.values()) coordinator.redrive(record, nowMs)
    return coordinator
  }

  /**
   * What `recover` needs of everything logged so far, as log records: the
   * COMMIT record of every commit not yet acknowledged by all its
   * participants (recover([...checkpoint(), ...later records]) rebuilds this
   * coordinator's obligations). Nothing else: presumed abort answers every
   * transaction without a COMMIT record "abort", which is right for every
   * one of them (aborted, or never decided and now never to commit), and a
   * transaction whose END was written needs no answer at all — every
   * participant acknowledged the commit after forcing its own COMMIT record,
   * and a participant asks only while it holds a PREPARED record with no
   * decision after it. So a decision is kept exactly as long as some
   * participant may still ask about it (until acknowledged), however long
   * that takes, and forgetting it afterwards can never turn into a wrong answer.
   */
  checkpoint(): CoordinatorLogRecord[] {
    return [...this.active.values()].flatMap((t) => (t.commitRecord ? [t.commitRecord] : []))
  }

  arm(failpoint: FailpointName): void {
    this.outbox.arm(failpoint)
  }

  /** Starts phase 1. `txn` must be new (never used before, also not before a restart). */
  begin(txn: TxnId, writes: readonly Write[], conditions: readonly Condition[], nowMs: number, read: ReadRequest = NO_READS): void {
    if (this.outbox.halted) return
    const requestError = txnRequestError(writes, conditions, read.reads)
    invariant(requestError === undefined, `begin ${txn}: ${requestError}`)
    invariant(!this.active.has(txn), `begin ${txn}: transaction id already in use`)
    this.counts.begun++
    const participants = new Map<NodeId, ParticipantProgress>()
    const lockWait = read.lockWaitMs > 0 ? {lockWaitMs: read.lockWaitMs} : {}
    for (const [participant, share] of splitByOwner(writes, conditions, this.config.ownerOf, read.reads)) {
      const prepare: PrepareMessage = {type: 'prepare', txn, from: this.config.id, to: participant, ...share, ...lockWait}
      participants.set(participant, {prepare, prepared: false, done: false, values: []})
    }
    const t: ActiveTxn = {
      txn,
      phase: 'preparing',
      participants,
      reads: read.reads,
      prepareDeadlineMs: nowMs + this.config.prepareTimeoutMs,
      attempt: 0,
      recovered: false,
      timeline: {prepareSentMs: nowMs, votesCollectedMs: undefined, decidedMs: undefined, acksCollectedMs: undefined},
      commitRecord: undefined,
    }
    this.active.set(txn, t)
    this.sendPending(t)
    if (this.outbox.reached('coordinator.after-prepare-sent')) return
    this.scheduleResend(t, nowMs)
  }

  step(m: Message, nowMs: number): void {
    if (this.outbox.halted) return
    switch (m.type) {
      case 'vote-yes':
      case 'query':
        return this.onPrepared(m, nowMs)
      case 'vote-no': {
        const t = this.active.get(m.txn)
        const progress = t?.participants.get(m.from)
        // A "no" that arrives after a later "yes" from the same participant (re-sent prepare) is stale.
        if (!t || !progress || t.phase !== 'preparing') return
        progress.done = true
        return this.decideAbort(t, m.reason, `participant ${m.from} voted no: ${m.detail}`, nowMs)
      }
      case 'ack': {
        const t = this.active.get(m.txn)
        const progress = t?.participants.get(m.from)
        if (!t || !progress || t.phase !== phaseFor(m.outcome)) return
        progress.done = true
        if (allDone(t)) this.finish(t, nowMs)
        return
      }
      case 'prepare':
      case 'commit':
      case 'abort':
        return // addressed to participants; a misrouted message changes nothing
      default:
        unreachable(m)
    }
  }

  /** The node could not deliver `m` at all (e.g. connection refused). A missing vote now means abort. */
  undeliverable(m: Message, nowMs: number): void {
    if (this.outbox.halted || m.type !== 'prepare') return
    const t = this.active.get(m.txn)
    if (t?.phase !== 'preparing' || t.participants.get(m.to)?.prepared !== false) return
    this.decideAbort(t, 'participant down', `participant ${m.to} is unreachable`, nowMs)
  }

  /** Phase-1 timeouts and re-sends. Call at `nextWakeMs()` or on any periodic timer. */
  tick(nowMs: number): void {
    for (const txn of this.wakeups.due(nowMs)) {
      if (this.outbox.halted) return
      const t = this.active.get(txn)
      if (!t) continue
      if (t.phase === 'preparing' && nowMs >= t.prepareDeadlineMs) {
        const missing = [...t.participants].filter(([, p]) => !p.prepared).map(([id]) => id)
        this.decideAbort(t, 'timeout', `no vote within ${this.config.prepareTimeoutMs} ms from ${missing.join(', ')}`, nowMs)
        continue
      }
      t.attempt++
      this.sendPending(t)
      this.scheduleResend(t, nowMs)
    }
  }

  ready(): CoordinatorReady {
    return {...this.outbox.take(), results: drain(this.results), finished: drain(this.finished)}
  }

  /** When `tick` next has something to do; undefined when nothing is pending. */
  nextWakeMs(): number | undefined {
    return this.wakeups.next()
  }

  /** Transactions begun or re-driven and not finished; the node bounds this before calling `begin`. */
  get activeTxnCount(): number {
    return this.active.size
  }

  phaseOf(txn: TxnId): Phase | undefined {
    return this.active.get(txn)?.phase
  }

  get stats(): CoordinatorStats {
    return {
      ...this.counts,
      aborted: {...this.aborted},
      ...this.outbox.counts(),
    }
  }

  private redrive(commitRecord: CommitRecord, nowMs: number): void {
    this.counts.recoveredCommits++
    const participants = new Map<NodeId, ParticipantProgress>()
    for (const id of commitRecord.participants) participants.set(id, {prepare: undefined, prepared: true, done: false, values: []})
    const timeline: TxnTimeline = {prepareSentMs: undefined, votesCollectedMs: undefined, decidedMs: undefined, acksCollectedMs: undefined}
    const t: ActiveTxn = {txn: commitRecord.txn, phase: 'committing', participants, reads: [], prepareDeadlineMs: nowMs, attempt: 0, recovered: true, timeline, commitRecord}
    this.active.set(t.txn, t)
    this.sendPending(t)
    this.scheduleResend(t, nowMs)
  }

  private onPrepared(m: Extract<Message, {type: 'vote-yes' | 'query'}>, nowMs: number): void {
    const t = this.active.get(m.txn)
    if (!t) {
      // Presumed abort: no COMMIT record, so this transaction can never commit.
      this.outbox.message({type: 'abort', txn: m.txn, from: this.config.id, to: m.from})
      return
    }
    const progress = t.participants.get(m.from)
    if (!progress) return
    switch (t.phase) {
      case 'preparing':
        if (!progress.prepared) progress.values = m.values ?? []
        progress.prepared = true
        if ([...t.participants.values()].every((p) => p.prepared)) this.decideCommit(t, nowMs)
        return
      case 'committing':
      case 'aborting':
        // A late vote or a query: the participant missed the decision.
        this.outbox.message(this.decisionMessage(t, m.from))
        return
      default:
        unreachable(t.phase)
    }
  }

  private decideCommit(t: ActiveTxn, nowMs: number): void {
    t.phase = 'committing'
    t.timeline.votesCollectedMs = nowMs
    t.timeline.decidedMs = nowMs
    this.counts.committed++
    // Presumed abort (R* §3): the commit decision is forced to the log before
    // any participant or client hears of it. A coordinator that crashes after
    // telling someone "commit" must find the record, or its restart would
    // presume abort and answer the others "aborted".
    t.commitRecord = {type: 'commit', txn: t.txn, participants: [...t.participants.keys()], atMs: nowMs}
    this.outbox.record(t.commitRecord, true)
    if (this.outbox.reached('coordinator.after-decision-logged')) return
    this.sendPending(t)
    if (this.outbox.halted) return
    this.results.push({txn: t.txn, outcome: 'committed', ...(t.reads.length > 0 ? {values: readValues(t)} : {}), timeline: {...t.timeline}})
    t.attempt = 0
    this.scheduleResend(t, nowMs)
  }

  /** Presumed abort needs no log record: a coordinator that forgets the transaction answers "abort" anyway. */
  private decideAbort(t: ActiveTxn, reason: AbortReason, detail: string, nowMs: number): void {
    t.phase = 'aborting'
    t.timeline.votesCollectedMs = nowMs
    t.timeline.decidedMs = nowMs
    this.aborted[reason]++
    this.results.push({txn: t.txn, outcome: 'aborted', reason, detail, timeline: {...t.timeline}})
    // Participants that voted yes hold locks until they hear; the others may
    // have prepared without our knowing. Tell everyone who did not vote no.
    this.sendPending(t)
    if (allDone(t)) return this.finish(t, nowMs)
    t.attempt = 0
    this.scheduleResend(t, nowMs)
  }

  private finish(t: ActiveTxn, nowMs: number): void {
    t.timeline.acksCollectedMs = nowMs
    // END is not forced: if it is lost, recovery only re-sends commits that are acknowledged again.
    if (t.phase === 'committing') this.outbox.record({type: 'end', txn: t.txn}, false)
    this.active.delete(t.txn)
    this.wakeups.clear(t.txn)
    this.finished.push({txn: t.txn, outcome: t.phase === 'committing' ? 'committed' : 'aborted', recovered: t.recovered, timeline: t.timeline})
  }

  /** Sends the current phase's message to every participant that has not answered it. */
  private sendPending(t: ActiveTxn): void {
    for (const [id, progress] of t.participants) {
      if (t.phase === 'preparing') {
        if (!progress.prepared && progress.prepare) this.outbox.message(progress.prepare)
        continue
      }
      if (progress.done) continue
      this.outbox.message(this.decisionMessage(t, id))
      if (t.phase === 'committing' && this.outbox.reached('coordinator.mid-commit')) return
    }
  }

  private decisionMessage(t: ActiveTxn, to: NodeId): Message {
    invariant(t.phase !== 'preparing', `txn ${t.txn} has no decision yet`)
    return {type: t.phase === 'committing' ? 'commit' : 'abort', txn: t.txn, from: this.config.id, to}
  }

  private scheduleResend(t: ActiveTxn, nowMs: number): void {
    const resendMs = nowMs + retryDelayMs(t.attempt, this.config.retry, this.config.rng)
    this.wakeups.set(t.txn, t.phase === 'preparing' ? Math.min(resendMs, t.prepareDeadlineMs) : resendMs)
  }
}

function phaseFor(outcome: Outcome): Phase {
  return outcome === 'committed' ? 'committing' : 'aborting'
}

/** The values the participants voted with, in the client's order (ReadRequest). */
function readValues(t: ActiveTxn): ReadValue[] {
  const voted = new Map<string, string | null>()
  for (const p of t.participants.values()) for (const v of p.values) voted.set(v.key, v.value)
  return t.reads.map((key) => {
    // A yes vote (or a query, which counts as one) carries the values of every key its prepare read.
    invariant(voted.has(key), `txn ${t.txn}: committed without a value for read key "${key}"`)
    return {key, value: voted.get(key)!}
  })
}

function allDone(t: ActiveTxn): boolean {
  for (const p of t.participants.values()) if (!p.done) return false
  return true
}
