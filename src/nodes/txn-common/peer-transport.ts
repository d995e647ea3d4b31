import {JsonClient} from '../../core/net/json-client.js'
import type {Partition} from '../../core/net/partition.js'
import type {Message, NodeId} from '../../core/txn/index.js'

/** The route every txn node takes peer messages on: `{messages: Message[]}`. */
export const MESSAGES_PATH = '/txn/messages'

/** Requests in flight per destination; messages queued meanwhile go out together in the next one. */
const INFLIGHT_PER_PEER = 4
/** A bound on messages waiting for one peer (e.g. one stopped with SIGSTOP); beyond it they are dropped and the core re-sends. */
const QUEUE_LIMIT_PER_PEER = 50_000
const MESSAGE_TIMEOUT_MS = 5_000
/** Keeps one request well under a node's body limit (TXN_LIMITS.bodyBytes): a prepare carries its writes. */
const BATCH_BYTES = 256 * 1024

interface Queued {
  message: Message
  done: () => void
}

interface Peer {
  client: JsonClient
  queue: Queued[]
  inflight: number
}

export interface TransportStats {
  requests: number
  messages: number
  dropped: number
  undeliverable: number
}

/**
 * Fire-and-forget message passing over HTTP: messages to one peer are
 * batched into one POST while earlier ones are in flight. Delivery is
 * best-effort (the cores re-send), except that a refused connection is
 * reported back through `onUndeliverable` so a coordinator can abort at once
 * instead of waiting for its phase-1 timeout.
 */
export class PeerTransport {
  private readonly peers = new Map<NodeId, Peer>()
  private readonly counters: TransportStats = {requests: 0, messages: 0, dropped: 0, undeliverable: 0}

  constructor(
    /** Where a node id is reached; undefined for an unknown node (its messages are dropped). */
    private readonly urlOf: (id: NodeId) => string | undefined,
    private readonly onUndeliverable: (messages: Message[]) => void,
    private readonly partition: Partition,
  ) {}

  /** Queues the messages; resolves once every one of them was delivered, dropped or refused (never rejects). */
  send(messages: readonly Message[]): Promise<void> {
    const delivered: Array<Promise<void>> = []
    const touched = new Set<Peer>()
    for (const message of this.partition.pass(messages)) {
      const peer = this.peer(message.to)
      if (!peer || peer.queue.length >= QUEUE_LIMIT_PER_PEER) {
        this.counters.dropped++
        continue
      }
      delivered.push(new Promise((done) => peer.queue.push({message, done})))
      touched.add(peer)
    }
    for (const peer of touched) this.pump(peer)
    return Promise.all(delivered).then(() => undefined)
  }

  stats(): TransportStats {
    return {...this.counters}
  }

  async close(): Promise<void> {
    await Promise.all([...this.peers.values()].map((p) => p.client.close()))
  }

  private peer(id: NodeId): Peer | undefined {
    let peer = this.peers.get(id)
    if (peer) return peer
    const url = this.urlOf(id)
    if (url === undefined) return undefined
    peer = {client: new JsonClient(url, {connections: INFLIGHT_PER_PEER, headersTimeoutMs: MESSAGE_TIMEOUT_MS, bodyTimeoutMs: MESSAGE_TIMEOUT_MS}), queue: [], inflight: 0}
    this.peers.set(id, peer)
    return peer
  }

  private pump(peer: Peer): void {
    while (peer.inflight < INFLIGHT_PER_PEER && peer.queue.length > 0) {
      const batch = peer.queue.splice(0, batchLength(peer.queue))
      peer.inflight++
      void this.post(peer, batch).finally(() => {
        peer.inflight--
        for (const q of batch) q.done()
        this.pump(peer)
      })
    }
  }

  private async post(peer: Peer, batch: Queued[]): Promise<void> {
    this.counters.requests++
    this.counters.messages += batch.length
    try {
      const res = await peer.client.request('POST', MESSAGES_PATH, {messages: batch.map((q) => q.message)})
      if (res.status !== 200) this.counters.dropped += batch.length
    } catch (err) {
      if (isConnectionRefused(err)) {
        this.counters.undeliverable += batch.length
        this.onUndeliverable(batch.map((q) => q.message))
      } else {
        this.counters.dropped += batch.length
      }
    }
  }
}

/** How many queued messages fit in one request (at least one: a single prepare is bounded by the txn limits). */
function batchLength(queue: readonly Queued[]): number {
  let bytes = 0
  for (let i = 0; i < queue.length; i++) {
    bytes += approximateBytes(queue[i].message)
    if (bytes > BATCH_BYTES) return Math.max(1, i)
  }
  return queue.length
}

function approximateBytes(m: Message): number {
  if (m.type !== 'prepare') return 200
  let bytes = 200
  for (const w of m.writes) bytes += w.key.length + w.value.length + 30
  for (const c of m.conditions) bytes += c.key.length + (c.value?.length ?? 4) + 30
  return bytes
}

function isConnectionRefused(err: unknown): boolean {
  const e = err as {code?: string; cause?: {code?: string}} | undefined
  return e?.code === 'ECONNREFUSED' || e?.cause?.code === 'ECONNREFUSED'
}
