import {invariant} from '../common/invariant.js'
import {resolveConfig, type RaftOptions} from './config.js'
import type {Message} from './messages.js'
import type {ProgressState} from './progress.js'
import {Raft, type ProposeResult, type ReadIndexResult} from './raft.js'
import {
  emptyHardState,
  type Entry,
  type HardState,
  type NodeId,
  type PersistedState,
  type ReadState,
  type Snapshot,
  type SoftState,
} from './types.js'

/**
 * What the application must do next, in this order (etcd-io/raft doc.go):
 *   1. persist: `snapshot` (if any), then `entries`, then `hardState`; fsync if `mustSync`;
 *   2. send `messages` (only after step 1: thesis §3.8);
 *   3. restore the state machine from `snapshot` (if any), then apply
 *      `committedEntries` in order, and answer `readStates` once applied >= their index;
 *   4. call `advance(ready)`.
 */
export interface Ready {
  /** Set when role or leader changed since the last Ready. */
  readonly softState?: SoftState
  /** Set when term, vote or commit changed since the last Ready. */
  readonly hardState?: HardState
  /**
   * Entries to persist. They start at `entries[0].index`: delete every stored
   * entry at or after that index, then append these. Usually that is a plain
   * append; it is a truncation when a new leader overwrote uncommitted entries.
   */
  readonly entries: readonly Entry[]
  /**
   * A snapshot received from the leader: persist it, delete every stored
   * entry (the log now starts after snapshot.index) and restore the state
   * machine from snapshot.data. Not set for the application's own compact().
   */
  readonly snapshot?: Snapshot
  /** Committed entries to apply, in index order. Skip those whose data is '' (leader no-ops). */
  readonly committedEntries: readonly Entry[]
  readonly readStates: readonly ReadState[]
  readonly messages: readonly Message[]
  /** Whether persisting this Ready must be fsynced before sending: a new term, vote, entries or snapshot. */
  readonly mustSync: boolean
}

export interface ProgressStatus {
  readonly match: number
  readonly next: number
  readonly state: ProgressState
  readonly inflight: number
}

export interface Status {
  readonly id: NodeId
  readonly role: SoftState['role']
  readonly leader: NodeId | null
  readonly term: number
  readonly vote: NodeId | null
  readonly commit: number
  readonly applied: number
  readonly firstIndex: number
  readonly lastIndex: number
  /** Leader only: how each follower is being replicated to. */
  readonly progress?: Readonly<Record<NodeId, ProgressStatus>>
}

/**
 * The application's handle on one Raft node (etcd-io/raft rawnode.go). Feed it
 * ticks, messages, proposals and read requests; then drain `ready()` and
 * acknowledge with `advance()`. Between a `ready()` and its `advance()` the
 * other inputs may still be called, but `ready()` may not be called again.
 */
export class RawNode {
  private readonly raft: Raft
  private prevHardState: HardState
  private prevSoftState: SoftState
  private awaitingAdvance = false

  /** A fresh node, or a restarted one from what it persisted. */
  constructor(options: RaftOptions, persisted: PersistedState = {hardState: emptyHardState, entries: []}) {
    this.raft = new Raft(resolveConfig(options), persisted)
    this.prevHardState = this.hardState()
    this.prevSoftState = this.softState()
  }

  tick(): void {
    this.raft.tick()
  }

  /** Ticks until one may act (Raft.ticksUntilDue): a caller may sleep that long when nothing else arrives. */
  ticksUntilDue(): number {
    return this.raft.ticksUntilDue()
  }

  campaign(): void {
    this.raft.campaign()
  }

  /** Appends `data` as a new entry if this node leads; the entry is committed once it appears in committedEntries. */
  propose(data: string): ProposeResult {
    return this.raft.propose(data)
  }

  /**
   * Asks for a linearizable read point. The answer comes later as a ReadState
   * with the same requestId (requestIds must be unique); if leadership is lost
   * meanwhile it never comes, so the caller needs a timeout.
   */
  readIndex(requestId: string): ReadIndexResult {
    return this.raft.readIndex(requestId)
  }

  step(message: Message): void {
    this.raft.step(message)
  }

  /**
   * The application serialized its state machine at `index` (<= the last
   * applied index): drop the log up to `index`. Returns the Snapshot (index,
   * term, peers, data) for the application to persist; once it has, it may
   * delete stored entries up to snapshot.index. (A crash before that is
   * harmless: the stored log still holds the prefix.) Returns the current
   * snapshot unchanged when `index` is not past it.
   */
  compact(index: number, snapshotData: string): Snapshot {
    return this.raft.compact(index, snapshotData)
  }

  hasReady(): boolean {
    const log = this.raft.log
    return (
      !sameSoftState(this.softState(), this.prevSoftState) ||
      !sameHardState(this.hardState(), this.prevHardState) ||
      log.pendingSnapshot !== null ||
      log.stableIndex < log.lastIndex() ||
      log.applied < log.committed ||
      this.raft.messages.length > 0 ||
      this.raft.readStates.length > 0
    )
  }

  ready(): Ready {
    invariant(!this.awaitingAdvance, 'rawnode: ready() called again before advance()')
    this.awaitingAdvance = true
    const log = this.raft.log
    const softState = this.softState()
    const hardState = this.hardState()
    const entries = log.unstableEntries()
    const snapshot = log.pendingSnapshot ?? undefined
    const messages = this.raft.messages
    const readStates = this.raft.readStates
    this.raft.messages = []
    this.raft.readStates = []
    const hardStateChanged = !sameHardState(hardState, this.prevHardState)
    return {
      ...(sameSoftState(softState, this.prevSoftState) ? {} : {softState}),
      ...(hardStateChanged ? {hardState} : {}),
      entries,
      ...(snapshot === undefined ? {} : {snapshot}),
      committedEntries: log.committedToApply(),
      readStates,
      messages,
      mustSync:
        entries.length > 0 ||
        snapshot !== undefined ||
        hardState.term !== this.prevHardState.term ||
        hardState.vote !== this.prevHardState.vote,
    }
  }

  /** The application has done everything `ready` asked (persisted, sent, applied). */
  advance(ready: Ready): void {
    invariant(this.awaitingAdvance, 'rawnode: advance() without ready()')
    this.awaitingAdvance = false
    if (ready.softState !== undefined) this.prevSoftState = ready.softState
    if (ready.hardState !== undefined) this.prevHardState = ready.hardState
    if (ready.snapshot !== undefined) this.raft.log.snapshotApplied(ready.snapshot.index)
    const lastEntry = ready.entries.at(-1)
    if (lastEntry !== undefined) this.raft.persistedTo(lastEntry.index, lastEntry.term)
    const lastApplied = ready.committedEntries.at(-1)
    if (lastApplied !== undefined) this.raft.log.appliedTo(lastApplied.index)
  }

  status(): Status {
    const log = this.raft.log
    const progress: Record<NodeId, ProgressStatus> = {}
    for (const peer of this.raft.peers) {
      const p = this.raft.progressOf(peer)
      if (p !== undefined) progress[peer] = {match: p.match, next: p.next, state: p.state, inflight: p.inflights.count}
    }
    return {
      id: this.raft.id,
      role: this.raft.role,
      leader: this.raft.lead,
      term: this.raft.term,
      vote: this.raft.vote,
      commit: log.committed,
      applied: log.applied,
      firstIndex: log.firstIndex(),
      lastIndex: log.lastIndex(),
      ...(this.raft.role === 'leader' ? {progress} : {}),
    }
  }

  private hardState(): HardState {
    return {term: this.raft.term, vote: this.raft.vote, commit: this.raft.log.committed}
  }

  private softState(): SoftState {
    return {role: this.raft.role, leader: this.raft.lead}
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leader === b.leader
}
