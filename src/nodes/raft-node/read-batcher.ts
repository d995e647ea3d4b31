import {HttpError} from '../../core/net/http-error.js'
import type {ReadState} from '../../core/raft/index.js'

interface PendingRead {
  resolve(): void
  reject(err: Error): void
}

interface Batch {
  readonly requestId: string
  readonly reads: PendingRead[]
}

/**
 * Linearizable reads through ReadIndex (thesis §6.4), batched: at most one
 * ReadIndex request is in flight, and every read that arrived before it was
 * issued shares its answer (reads that arrive later wait for the next one, so
 * each read's read point is taken after the read began). A read is released
 * once the state machine has applied its read point. One heartbeat round then
 * serves any number of concurrent reads (etcd's linearizableReadLoop).
 */
export class ReadBatcher {
  private waiting: PendingRead[] = []
  private inFlight: (Batch & {issuedAtMs: number}) | undefined
  private confirmed: Array<{index: number; reads: PendingRead[]}> = []
  private nextId = 1

  constructor(
    private readonly idPrefix: string,
    /** Asks the Raft node for a read point; false when it cannot (no leader). */
    private readonly issue: (requestId: string) => boolean,
    /** An unanswered request is abandoned after this long (leadership changed, or it was lost). */
    private readonly abandonAfterMs: number,
  ) {}

  /** Resolves once the state machine reflects every write acknowledged before this call. */
  wait(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({resolve, reject})
      this.issueNext()
    })
  }

  onReadStates(states: readonly ReadState[], applied: number): void {
    for (const state of states) {
      if (this.inFlight?.requestId !== state.requestId) continue
      this.confirmed.push({index: state.index, reads: this.inFlight.reads})
      this.inFlight = undefined
    }
    this.onApplied(applied)
    this.issueNext()
  }

  onApplied(applied: number): void {
    if (this.confirmed.length === 0) return
    const still: typeof this.confirmed = []
    for (const batch of this.confirmed) {
      if (batch.index <= applied) for (const read of batch.reads) read.resolve()
      else still.push(batch)
    }
    this.confirmed = still
  }

  /** Leadership changed (the core drops pending read points) or the replica is closing. */
  failAll(reason: string): void {
    const batches = [...(this.inFlight === undefined ? [] : [this.inFlight]), ...this.confirmed]
    const reads = [...batches.flatMap((b) => b.reads), ...this.waiting]
    this.inFlight = undefined
    this.confirmed = []
    this.waiting = []
    for (const read of reads) read.reject(new HttpError(503, reason))
  }

  issueNext(nowMs = Date.now()): void {
    if (this.inFlight !== undefined && nowMs - this.inFlight.issuedAtMs > this.abandonAfterMs) {
      for (const read of this.inFlight.reads) read.reject(new HttpError(503, `no read point within ${this.abandonAfterMs}ms`))
      this.inFlight = undefined
    }
    if (this.inFlight !== undefined || this.waiting.length === 0) return
    const requestId = `${this.idPrefix}-${this.nextId++}`
    const reads = this.waiting
    this.waiting = []
    if (!this.issue(requestId)) {
      for (const read of reads) read.reject(new HttpError(503, 'no leader to confirm a read point'))
      return
    }
    this.inFlight = {requestId, reads, issuedAtMs: nowMs}
  }
}
