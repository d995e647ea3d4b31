/**
 * Inputs and outputs of the two-phase-commit cores (presumed abort, Mohan,
 * Lindsay & Obermarck, "Transaction Management in the R* Distributed Database
 * Management System", TODS 1986, §2-3). Time is milliseconds passed in by the
 * caller; it is stored in log records, so it should be wall-clock time if the
 * node wants in-doubt durations to survive a restart.
 */

/** Unique over the coordinator's whole life, across restarts (the node's job). */
export type TxnId = string
export type NodeId = string

export interface Write {
  key: string
  value: string
}

/** "The committed value of `key` must be `value`", or must be absent when `value` is null. */
export interface Condition {
  key: string
  value: string | null
}

/** A value read inside a transaction (Condition's shape: null for absent). */
export type ReadValue = Condition

/**
 * Keys a transaction reads: each participant takes a shared lock on its
 * keys at prepare, holds it until the decision, and returns the committed
 * values in its yes vote; a committed transaction's answer carries them all.
 * Strict two-phase locking across participants, so the values are one
 * consistent snapshot (the state as of the commit).
 */
export interface ReadRequest {
  reads: string[]
  /**
   * How long a participant may wait for locks held by prepared transactions
   * before voting no (0: no wait). While it waits, its keys are reserved:
   * newcomers that conflict vote no at once, so it is not starved.
   */
  lockWaitMs: number
}

export type AbortReason = 'conflict' | 'condition failed' | 'participant down' | 'timeout'

/** Why a participant votes no; each is also the client's abort reason. */
export type VoteNoReason = Extract<AbortReason, 'conflict' | 'condition failed'>

export type Outcome = 'committed' | 'aborted'

interface Envelope {
  txn: TxnId
  from: NodeId
  to: NodeId
}

/** `reads` and `lockWaitMs` (ReadRequest) are left out when empty and 0. */
export type PrepareMessage = Envelope & {type: 'prepare'; writes: Write[]; conditions: Condition[]} & Partial<ReadRequest>

/**
 * Coordinator → participant: prepare and the decision. Commit and abort are
 * also the answers to a participant's outcome query.
 * Participant → coordinator: the votes, acknowledgements of a decision, and
 * outcome queries from a participant holding a durable PREPARED record. A
 * query counts as a yes vote, so both carry the values of the prepare's
 * `reads` (when it had any).
 */
export type Message =
  | PrepareMessage
  | (Envelope & {type: 'commit'})
  | (Envelope & {type: 'abort'})
  | (Envelope & {type: 'vote-yes'; values?: ReadValue[]})
  | (Envelope & {type: 'vote-no'; reason: VoteNoReason; detail: string})
  | (Envelope & {type: 'ack'; outcome: Outcome})
  | (Envelope & {type: 'query'; values?: ReadValue[]})

export type MessageType = Message['type']

/**
 * The coordinator's log. Presumed abort: only commits are logged, with fsync,
 * before anyone hears of them; `end` (not forced) says every participant
 * acknowledged, so recovery need not re-drive it.
 */
export type CoordinatorLogRecord =
  | {type: 'commit'; txn: TxnId; participants: NodeId[]; atMs: number}
  | {type: 'end'; txn: TxnId}

/**
 * A participant's log. `prepared` is forced before the yes vote; `commit` is
 * forced and carries the writes to apply (the node applies them, and replays
 * them on restart); `abort` is not forced (losing it only means asking the
 * coordinator again).
 */
export type ParticipantLogRecord =
  | PreparedRecord
  | {type: 'commit'; txn: TxnId; writes: Write[]}
  | {type: 'abort'; txn: TxnId}

/** `readKeys` are every key locked shared; `reads` (when any) those whose values go back in the vote. */
export type PreparedRecord = {type: 'prepared'; txn: TxnId; coordinator: NodeId; writes: Write[]; readKeys: string[]; reads?: string[]; atMs: number}

/** What a participant remembers of a decided transaction ("aborted before prepare": see Participant.decided). */
export type DecidedOutcome = Outcome | 'aborted before prepare'

/**
 * A participant core's recovery state as of some point in its log; with the
 * records after that point it rebuilds the core (Participant.recover). The
 * node checkpoints its committed table beside it.
 */
export interface ParticipantCheckpoint {
  /** The PREPARED record of every transaction prepared and not yet decided. */
  inDoubt: PreparedRecord[]
  /** The remembered decisions, oldest first (at most `decidedMemory`). */
  decided: Array<[TxnId, DecidedOutcome]>
}

export type ClientResult =
  | {txn: TxnId; outcome: 'committed'; values?: ReadValue[]; timeline: TxnTimeline}
  | {txn: TxnId; outcome: 'aborted'; reason: AbortReason; detail: string; timeline: TxnTimeline}

/**
 * When each phase happened on the coordinator, in the caller's clock. The
 * decision record's fsync is the node's: the node times it from `decidedMs`
 * to the moment it releases the Ready that carried the record.
 */
export interface TxnTimeline {
  /** Begin; the prepares go out in the same Ready. Undefined for a txn re-driven after recovery. */
  prepareSentMs: number | undefined
  /** All yes votes in, or the vote/timeout that decided abort. */
  votesCollectedMs: number | undefined
  /** The decision was made (for a commit: the forced record was handed out). */
  decidedMs: number | undefined
  /** Every participant acknowledged the decision. */
  acksCollectedMs: number | undefined
}

/** Emitted once per transaction when the coordinator is done with it. */
export interface FinishedTxn {
  txn: TxnId
  outcome: Outcome
  /** Re-driven from the log after a coordinator restart. */
  recovered: boolean
  timeline: TxnTimeline
}

/** Emitted once per prepared transaction when a participant learns its outcome. */
export interface ResolvedTxn {
  txn: TxnId
  outcome: Outcome
  preparedAtMs: number
  decidedAtMs: number
  keyCount: number
  /** Restored from the log after a participant restart (an orphan of a crash). */
  recovered: boolean
  /** The participant had to ask the coordinator at least once. */
  queried: boolean
}

/** A participant's in-doubt (prepared, undecided) transaction, for /health. */
export interface InDoubtTxn {
  txn: TxnId
  coordinator: NodeId
  sinceMs: number
  keyCount: number
  recovered: boolean
}

/** The answer to POST /txn (DESIGN.md), with where the time went. */
export interface TxnAnswer {
  txn: TxnId
  outcome: 'committed' | 'aborted'
  reason: string | null
  detail?: string
  /** A committed transaction's reads (ReadRequest), in request order; left out when it read nothing. */
  values?: ReadValue[]
  /** Phase 1 (prepares out → all votes in) and the decision record's fsync (decision → release). */
  phasesMs: {prepare: number; decisionLog: number}
}
