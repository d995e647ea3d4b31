import {invariant} from '../common/invariant.js'
import type {Entry, NodeId, Snapshot} from './types.js'

/** The log before anything is compacted: index 0 has term 0. */
export function emptySnapshot(peers: readonly NodeId[]): Snapshot {
  return {index: 0, term: 0, peers, data: ''}
}

/**
 * A node's log: the latest snapshot (the compacted prefix) followed by the
 * entries after it, all in memory. It also tracks which suffix is not yet
 * persisted and which committed entries are not yet applied.
 *
 * Invariants:
 *   entries[i].index === snapshot.index + 1 + i
 *   snapshot.index <= applied <= committed <= lastIndex()   (except while a
 *     received snapshot waits to be persisted: then applied < snapshot.index)
 *   stableIndex <= lastIndex()
 */
export class RaftLog {
  private snapshot: Snapshot
  private entries: Entry[]
  committed: number
  /** Highest index handed to the application and acknowledged by advance(). */
  applied: number
  /** Highest index persisted by the application (acknowledged by advance()). */
  stableIndex: number
  /** A snapshot received from the leader that the application has not yet persisted and restored. */
  pendingSnapshot: Snapshot | null = null

  constructor(snapshot: Snapshot, entries: readonly Entry[], committed: number, applied: number) {
    this.snapshot = snapshot
    this.entries = entries.filter((e) => e.index > snapshot.index)
    this.entries.forEach((e, i) => invariant(e.index === snapshot.index + 1 + i, `log: gap before entry ${e.index}`))
    this.stableIndex = this.lastIndex()
    // A snapshot is of committed state; the commit index beside it may have
    // been persisted without a sync and be older.
    this.committed = Math.max(committed, snapshot.index)
    this.applied = Math.max(applied, snapshot.index)
    invariant(this.committed <= this.lastIndex(), `log: commit ${committed} beyond last index ${this.lastIndex()}`)
    invariant(this.applied <= this.committed, `log: applied ${applied} beyond commit ${this.committed}`)
  }

  firstIndex(): number {
    return this.snapshot.index + 1
  }

  lastIndex(): number {
    return this.snapshot.index + this.entries.length
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) as number
  }

  currentSnapshot(): Snapshot {
    return this.snapshot
  }

  /** The term of the entry at `index`, or undefined when it is compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.snapshot.index) return this.snapshot.term
    if (index < this.snapshot.index || index > this.lastIndex()) return undefined
    return this.entries[index - this.firstIndex()].term
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term
  }

  /** §5.4.1: a candidate's log is at least as up-to-date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    return lastTerm > this.lastTerm() || (lastTerm === this.lastTerm() && lastIndex >= this.lastIndex())
  }

  /**
   * Entries from `from` on, at most maxCount of them and at most maxBytes of
   * data (but at least one entry). Undefined when `from` is compacted away.
   */
  slice(from: number, maxCount: number, maxBytes: number): Entry[] | undefined {
    if (from < this.firstIndex()) return undefined
    const result: Entry[] = []
    let bytes = 0
    for (let i = from - this.firstIndex(); i < this.entries.length && result.length < maxCount; i++) {
      const entry = this.entries[i]
      bytes += entry.data.length
      if (result.length > 0 && bytes > maxBytes) break
      result.push(entry)
    }
    return result
  }

  /** Leader appends its own new entries. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return
    invariant(entries[0].index === this.lastIndex() + 1, 'log: leader append must extend the log')
    this.entries.push(...entries)
  }

  /**
   * Follower side of AppendEntries (§5.3): if our log has (prevIndex, prevTerm),
   * delete conflicting entries, append the new ones and advance commit. Returns
   * the last index now known to match the leader, or undefined on mismatch.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined
    const lastNew = prevIndex + entries.length
    const conflict = entries.find((e) => !this.matchTerm(e.index, e.term))
    if (conflict !== undefined) {
      // A committed entry is never overwritten (Leader Completeness, §5.4).
      invariant(conflict.index > this.committed, `log: conflict at ${conflict.index} <= commit ${this.committed}`)
      this.truncateAndAppend(entries.slice(conflict.index - (prevIndex + 1)))
    }
    this.commitTo(Math.min(commit, lastNew))
    return lastNew
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with that term (0 when
   * the term there is unknown because it is compacted or beyond our log). Both
   * sides of a rejected AppendEntries use it to skip whole terms of conflict.
   */
  findConflictByTerm(index: number, term: number): {index: number; term: number} {
    if (index > this.lastIndex()) return {index, term: 0}
    for (let i = index; ; i--) {
      const t = this.term(i)
      if (t === undefined) return {index: i, term: 0}
      if (t <= term) return {index: i, term: t}
    }
  }

  commitTo(index: number): void {
    if (index <= this.committed) return
    invariant(index <= this.lastIndex(), `log: commit ${index} beyond last index ${this.lastIndex()}`)
    this.committed = index
  }

  /** Entries not yet handed out for persistence. */
  unstableEntries(): Entry[] {
    return this.entries.slice(this.stableIndex + 1 - this.firstIndex())
  }

  /** The application persisted entries up to (index, term). A later truncation makes an older ack moot. */
  stableTo(index: number, term: number): void {
    if (index > this.stableIndex && this.matchTerm(index, term)) this.stableIndex = index
  }

  /** Committed entries not yet applied; none while a received snapshot waits to be restored. */
  committedToApply(): Entry[] {
    if (this.pendingSnapshot !== null) return []
    return this.entries.slice(this.applied + 1 - this.firstIndex(), this.committed + 1 - this.firstIndex())
  }

  appliedTo(index: number): void {
    invariant(index <= this.committed, `log: applied ${index} beyond commit ${this.committed}`)
    this.applied = Math.max(this.applied, index)
  }

  /** Replace the whole log by a snapshot from the leader (§7): our entries conflict with or end before it. */
  restore(snapshot: Snapshot): void {
    this.snapshot = snapshot
    this.entries = []
    this.committed = snapshot.index
    this.stableIndex = snapshot.index
    this.pendingSnapshot = snapshot
  }

  /** The application persisted and restored the pending snapshot. */
  snapshotApplied(index: number): void {
    if (this.pendingSnapshot?.index !== index) return
    this.pendingSnapshot = null
    this.applied = Math.max(this.applied, index)
  }

  /**
   * The application serialized its state machine at `index` (which it has
   * applied): drop the prefix. Returns the snapshot now in force (unchanged
   * when `index` is not past it).
   */
  compact(index: number, data: string, peers: readonly NodeId[]): Snapshot {
    invariant(index <= this.applied, `log: compact at ${index} beyond applied ${this.applied}`)
    if (index <= this.snapshot.index) return this.snapshot
    const term = this.term(index) as number
    this.entries = this.entries.slice(index + 1 - this.firstIndex())
    this.snapshot = {index, term, peers, data}
    return this.snapshot
  }

  private truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0].index
    invariant(first > this.snapshot.index && first <= this.lastIndex() + 1, `log: bad truncation at ${first}`)
    this.entries.length = first - this.firstIndex()
    this.entries.push(...entries)
    // The persisted suffix from `first` on is now wrong: hand it out again.
    this.stableIndex = Math.min(this.stableIndex, first - 1)
  }
}
