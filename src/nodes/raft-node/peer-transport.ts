import {Pool} from 'undici'

import {dispatchRequest} from '../../core/net/dispatch-request.js'
import type {Partition} from '../../core/net/partition.js'

import type {Message, NodeId} from '../../core/raft/index.js'

/** Where peers POST each other's messages: `{"messages": Message[]}`. */
export const RAFT_MESSAGES_PATH = '/raft/messages'

/** A peer that has not answered within this long is treated as down for that batch. */
const PEER_TIMEOUT_MS = 1_000
/** Bound on messages queued for one peer; beyond it new ones are dropped (Raft resends what matters). */
const MAX_QUEUED_MESSAGES = 10_000
/** Bound on messages in one POST. */
const MAX_BATCH_MESSAGES = 512

export interface TransportCounters {
  messagesSent: number
  messagesDropped: number
  peerRequests: number
}

/**
 * Sends Raft messages to peers over HTTP. Each peer has its own queue and at
 * most one POST in flight: messages queued while one is in flight go
 * together in the next (batching), the order to each peer is kept (a leader's
 * pipelined AppendEntries arrive in order), and a slow or dead peer only
 * delays its own queue. A failed POST drops its messages: Raft retries by
 * itself (heartbeats, probes, vote timeouts).
 */
export class PeerTransport {
  private readonly links = new Map<NodeId, PeerLink>()
  readonly counters: TransportCounters = {messagesSent: 0, messagesDropped: 0, peerRequests: 0}

  constructor(
    peers: Readonly<Record<NodeId, string>>,
    selfId: NodeId,
    private readonly partition: Partition,
  ) {
    for (const [id, url] of Object.entries(peers)) if (id !== selfId) this.links.set(id, new PeerLink(url, this.counters))
  }

  send(messages: readonly Message[]): void {
    for (const m of this.partition.pass(messages)) {
      const link = this.links.get(m.to)
      if (link === undefined) this.counters.messagesDropped++
      else link.enqueue(m)
    }
    for (const link of this.links.values()) link.flush()
  }

  async close(): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.close()))
  }
}

class PeerLink {
  private readonly pool: Pool
  private queue: Message[] = []
  private inFlight = false

  constructor(
    url: string,
    private readonly counters: TransportCounters,
  ) {
    this.pool = new Pool(url, {connections: 1, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: PEER_TIMEOUT_MS, bodyTimeout: PEER_TIMEOUT_MS})
  }

  enqueue(message: Message): void {
    if (this.queue.length >= MAX_QUEUED_MESSAGES) this.counters.messagesDropped++
    else this.queue.push(message)
  }

  flush(): void {
    if (!this.inFlight && this.queue.length > 0) void this.pump()
  }

  close(): Promise<void> {
    this.queue = []
    return this.pool.destroy()
  }

  private async pump(): Promise<void> {
    this.inFlight = true
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH_MESSAGES)
      this.counters.peerRequests++
      try {
        const res = await dispatchRequest(this.pool, {method: 'POST', path: RAFT_MESSAGES_PATH, body: JSON.stringify({messages: batch})})
        if (res.status === 200) this.counters.messagesSent += batch.length
        else this.counters.messagesDropped += batch.length
      } catch {
        this.counters.messagesDropped += batch.length
      }
    }
    this.inFlight = false
  }
}
