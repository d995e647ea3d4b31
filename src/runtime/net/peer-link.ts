import {openTransport, Transport, type TransportName} from './transport.js'

/** What became of one POSTed batch: answered 200, answered otherwise, no answer, or no connection at all. */
export type BatchOutcome = 'delivered' | 'rejected' | 'failed' | 'refused'

export interface PeerLinkOptions<M> {
  url: string
  /** Where the peer takes message batches: `POST {"messages": [...]}`. */
  path: string
  /** POSTs in flight at once; 1 keeps the order of everything sent to this peer. */
  inflight: number
  /** Bound on queued items (a peer stopped with SIGSTOP must not grow the queue forever). */
  maxQueued: number
  timeoutMs: number
  /** The HTTP client (default undici); 'raw' costs less CPU per POST, which is most of an idle Raft replica's work. */
  transport?: TransportName
  /** How many of the queued items go in the next POST (at least one). */
  batchLength(queue: readonly M[]): number
  /** The message an item carries. */
  message(item: M): unknown
  /** Called once per batch when its POST ends. */
  settled(batch: M[], outcome: BatchOutcome): void
  /** Called with the body of each 200 answer (a peer may answer with messages of its own); what it throws is not a failed POST but a bug. */
  answered?(body: Buffer): void
}

/**
 * Peer messaging over HTTP for one peer: items queue up while POSTs are in
 * flight and go together in the next one (batching), so a slow or dead peer
 * only delays its own queue. Delivery is best effort: the protocols above
 * (Raft, 2PC) re-send what matters.
 */
export class PeerLink<M> {
  private queue: M[] = []
  /** POST loops running; each sends batches until the queue is empty. */
  private lanes = 0
  private readonly http: Transport

  constructor(private readonly options: PeerLinkOptions<M>) {
    this.http = openTransport(options.url, {transport: options.transport, connections: options.inflight, headersTimeoutMs: options.timeoutMs, bodyTimeoutMs: options.timeoutMs})
  }

  /** Queues an item; false when the queue is full and the item was not taken. */
  enqueue(item: M): boolean {
    if (this.queue.length >= this.options.maxQueued) return false
    this.queue.push(item)
    return true
  }

  /** Starts POST loops for what is queued, up to the in-flight bound. */
  flush(): void {
    while (this.lanes < this.options.inflight && this.queue.length > 0) {
      this.lanes++
      void this.lane()
    }
  }

  /** Drops what is queued (settled as failed) and what is in flight: peers' protocols re-send after a restart. */
  close(): Promise<void> {
    const dropped = this.queue.splice(0)
    if (dropped.length > 0) this.options.settled(dropped, 'failed')
    return this.http.destroy()
  }

  /** Sends batch after batch while anything is queued: what queued during a POST goes in the next. */
  private async lane(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, Math.max(1, this.options.batchLength(this.queue)))
      this.options.settled(batch, await this.post(batch))
    }
    this.lanes--
  }

  private async post(batch: M[]): Promise<BatchOutcome> {
    let res
    try {
      const body = JSON.stringify({messages: batch.map((item) => this.options.message(item))})
      res = await this.http.request({method: 'POST', path: this.options.path, body})
    } catch (err) {
      return isConnectionRefused(err) ? 'refused' : 'failed'
    }
    if (res.status !== 200) return 'rejected'
    this.options.answered?.(res.body)
    return 'delivered'
  }
}

function isConnectionRefused(err: unknown): boolean {
  const e = err as {code?: string; cause?: {code?: string}} | undefined
  return e?.code === 'ECONNREFUSED' || e?.cause?.code === 'ECONNREFUSED'
}
