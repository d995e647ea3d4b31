import {PeerLink} from '../../runtime/net/peer-link.js'
import type {Route} from '../../runtime/net/json-server.js'
import type {NodeId, PeerMessage} from './consensus.js'
import type {Transport, TransportCounters} from './transport.js'

/** How one protocol's messages travel: peers POST `{"messages": M[]}` to `path`; `parse` checks a batch whole (throws a 400). */
export interface PeerWire<M extends PeerMessage> {
  readonly path: string
  parse(body: unknown): M[]
}

/** Bound on a peer batch's body: AppendEntries or accepts (up to 1 MiB of entries each) and whole snapshots. */
export const MAX_PEER_BODY_BYTES = 64 * 1024 * 1024

/** A peer that has not answered within this long is treated as down for that batch. */
const PEER_TIMEOUT_MS = 1_000
/** Bound on messages queued for one peer; beyond it new ones are dropped (the protocol resends what matters). */
const MAX_QUEUED_MESSAGES = 10_000
/** Bound on messages in one POST. */
const MAX_BATCH_MESSAGES = 512

/**
 * Sends a replica's messages to peers over HTTP, one PeerLink per peer with
 * one POST in flight: the order to each peer is kept (a leader's pipelined
 * AppendEntries or accepts arrive in order). A failed POST drops its
 * messages: the protocol retries by itself (heartbeats, probes, timeouts). A peer may answer
 * with messages of its own for this replica (a heartbeat's response), which
 * saves it a POST the other way.
 */
export class PeerTransport<M extends PeerMessage> implements Transport<M> {
  private readonly links = new Map<NodeId, PeerLink<M>>()
  readonly counters: TransportCounters = {messagesSent: 0, messagesDropped: 0, peerRequests: 0}

  constructor(
    peers: Readonly<Record<NodeId, string>>,
    selfId: NodeId,
    private readonly wire: PeerWire<M>,
    /** Takes the messages a peer sent back in its answer to a POST (see ReadyLoop.receiveAndReply). */
    private readonly deliverAnswer: (messages: M[]) => void,
  ) {
    for (const [id, url] of Object.entries(peers)) {
      if (id === selfId) continue
      const link = new PeerLink<M>({
        url,
        path: wire.path,
        inflight: 1,
        maxQueued: MAX_QUEUED_MESSAGES,
        timeoutMs: PEER_TIMEOUT_MS,
        // Heartbeats are a POST each way per follower every heartbeat interval: the client's own cost is an idle cluster's CPU.
        transport: 'raw',
        batchLength: (queue) => Math.min(queue.length, MAX_BATCH_MESSAGES),
        message: (m) => m,
        settled: (batch, outcome) => {
          this.counters.peerRequests++
          if (outcome === 'delivered') this.counters.messagesSent += batch.length
          else this.counters.messagesDropped += batch.length
        },
        answered: (body) => this.answered(body),
      })
      this.links.set(id, link)
    }
  }

  send(messages: readonly M[]): void {
    for (const m of messages) {
      const link = this.links.get(m.to)
      if (link === undefined || !link.enqueue(m)) this.counters.messagesDropped++
    }
    for (const link of this.links.values()) link.flush()
  }

  /** A peer's answer: `{"ok": true}`, with `messages` when it had some for this replica. */
  private answered(body: Buffer): void {
    let messages: M[]
    try {
      const answer = JSON.parse(body.toString('utf8')) as {messages?: unknown}
      if (answer.messages === undefined) return
      messages = this.wire.parse({messages: answer.messages})
    } catch {
      // Peers are trusted; an answer that does not parse is lost like any message, and the protocol resends.
      this.counters.messagesDropped++
      return
    }
    if (messages.length > 0) this.deliverAnswer(messages)
  }

  async close(): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.close()))
  }
}

/** The route peers POST to; the answer carries this replica's messages to the sender when it has some (ReadyLoop.receiveAndReply). */
export function peerRoute<M extends PeerMessage>(wire: PeerWire<M>, replica: {receiveAndReply(messages: readonly M[]): Promise<M[]>}): Route {
  return {
    method: 'POST',
    path: wire.path,
    maxBodyBytes: MAX_PEER_BODY_BYTES,
    handler: async ({body}) => {
      const replies = await replica.receiveAndReply(wire.parse(body))
      return {body: replies.length === 0 ? {ok: true} : {ok: true, messages: replies}}
    },
  }
}
