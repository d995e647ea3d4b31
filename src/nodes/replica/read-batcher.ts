import {HttpError} from '../../runtime/net/http-error.js'
import type {Env} from '../../runtime/env/env.js'

/** A linearizable read waiting for its read point to be confirmed and applied. */
interface WaitingRead {
  resolve(): void
  reject(err: Error): void
}

/**
 * Linearizable reads through ReadIndex (thesis §6.4), batched: the replica
 * calls `issueWaiting` once per Ready, and every read that arrived since the
 * previous call shares one ReadIndex request (so one heartbeat round), whose
 * read point is taken after each of those reads began. Several requests may
 * be in flight, so a read never waits for an earlier round to finish. A read
 * is released once the state machine has applied its read point.
 */
export class ReadBatcher {
  private waiting: WaitingRead[] = []
  private readonly inFlight = new Map<string, {reads: WaitingRead[]; issuedAtMs: number}>()
  private confirmed: Array<{index: number; reads: WaitingRead[]}> = []
  private nextId = 1

  constructor(
    private readonly env: Env,
    /** Unique to this process's life: request ids must never repeat. */
    private readonly idPrefix: string,
    /** Asks the consensus core for a read point; false when it cannot (it does not lead). */
    private readonly issue: (requestId: string) => boolean,
    /** An unanswered request is abandoned after this long (its reads were answered 503 by then). */
    private readonly abandonAfterMs: number,
  ) {}

  /** Resolves once the state machine reflects every write acknowledged before this call. */
  wait(): Promise<void> {
    return new Promise((resolve, reject) => this.waiting.push({resolve, reject}))
  }

  issueWaiting(): void {
    const nowMs = this.env.now()
    for (const [requestId, batch] of this.inFlight) if (nowMs - batch.issuedAtMs > this.abandonAfterMs) this.inFlight.delete(requestId)
    if (this.waiting.length === 0) return
    const requestId = `${this.idPrefix}-${this.nextId++}`
    const reads = this.waiting
    this.waiting = []
    if (this.issue(requestId)) this.inFlight.set(requestId, {reads, issuedAtMs: nowMs})
    else for (const read of reads) read.reject(new HttpError(503, 'no leader to confirm a read point'))
  }

  onReadStates(states: readonly {readonly requestId: string; readonly index: number}[], applied: number): void {
    for (const state of states) {
      const batch = this.inFlight.get(state.requestId)
      if (batch === undefined) continue
      this.inFlight.delete(state.requestId)
      this.confirmed.push({index: state.index, reads: batch.reads})
    }
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
    const reads = [...[...this.inFlight.values()].flatMap((b) => b.reads), ...this.confirmed.flatMap((b) => b.reads), ...this.waiting]
    this.inFlight.clear()
    this.confirmed = []
    this.waiting = []
    for (const read of reads) read.reject(new HttpError(503, reason))
  }
}
