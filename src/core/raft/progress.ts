import {Inflights} from './inflights.js'

/**
 * How a leader is sending to one follower (etcd-io/raft tracker/progress.go):
 * - probe: it does not know where the logs match; one AppendEntries at a
 *   time, then wait for the answer (or a heartbeat answer) before the next.
 * - replicate: logs match up to `match`; stream entries optimistically,
 *   bounded by the in-flight window.
 * - snapshot: an InstallSnapshot is on its way; send nothing else until it is
 *   acknowledged or the attempt times out.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot'

export class Progress {
  /** Highest index known to be replicated on the follower. Invariant: match < next. */
  match = 0
  /** Next index to send. */
  next: number
  state: ProgressState = 'probe'
  /** In probe state: an AppendEntries is out and unanswered. */
  probeSent = false
  /** In snapshot state: the index of the snapshot sent. */
  pendingSnapshot = 0
  /** In snapshot state: ticks since the snapshot was sent, to retry a lost one. */
  snapshotElapsedTicks = 0
  /** Heard from since the last check-quorum round. */
  recentActive = false
  /** The leader tick of the newest heartbeat this follower acknowledged (for lease reads); -1 if none. */
  heartbeatAckedTick = -1
  readonly inflights: Inflights

  constructor(next: number, maxInflightMsgs: number) {
    this.next = next
    this.inflights = new Inflights(maxInflightMsgs)
  }

  becomeProbe(): void {
    // After a snapshot, the follower has at least the snapshot: resume after it.
    const next = this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1
    this.resetState('probe')
    this.next = next
  }

  becomeReplicate(): void {
    this.resetState('replicate')
    this.next = this.match + 1
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot')
    this.pendingSnapshot = snapshotIndex
  }

  /** The follower acknowledged up to `index`. Returns false for a stale (out-of-order or duplicate) answer. */
  maybeUpdate(index: number): boolean {
    const updated = this.match < index
    if (updated) {
      this.match = index
      this.probeSent = false
    }
    this.next = Math.max(this.next, index + 1)
    return updated
  }

  /**
   * The follower rejected an AppendEntries with prevIndex `rejected`; `matchHint`
   * is the highest index the logs may still match at. Returns false when the
   * rejection is stale (it answers a message sent before the progress moved).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false
      this.next = this.match + 1
      return true
    }
    if (this.next - 1 !== rejected) return false
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1)
    this.probeSent = false
    return true
  }

  /** Records that an AppendEntries carrying entries up to `lastIndex` (`count` of them) went out. */
  sentEntries(lastIndex: number, count: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1
        this.inflights.add(lastIndex)
      }
    } else {
      this.probeSent = true
    }
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent
      case 'replicate':
        return this.inflights.full()
      case 'snapshot':
        return true
    }
  }

  private resetState(state: ProgressState): void {
    this.state = state
    this.probeSent = false
    this.pendingSnapshot = 0
    this.snapshotElapsedTicks = 0
    this.inflights.reset()
  }
}
