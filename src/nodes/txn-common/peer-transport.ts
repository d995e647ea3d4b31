import type {Partition} from '../../runtime/net/partition.js'
import {BatchOutcome, PeerLink} from '../../runtime/net/peer-link.js'
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

/** What a node's core driver needs of its network: PeerTransport, or a simulated one. */
export type MessageTransport = Pick<PeerTransport, 'send' | 'stats' | 'close'>

export interface TransportStats {
  requests: number
  messages: number
  dropped: number
  undeliverable: number
}

/**
 * Fire-and-forget message passing over HTTP, one PeerLink per peer with a
 * few POSTs in flight. Delivery is best-effort (the cores re-send), except
 * that a refused connection is reported back through `onUndeliverable` so a
 * coordinator can abort at once instead of waiting for its phase-1 timeout.
 */
export class PeerTransport {
  private readonly links = new Map<NodeId, PeerLink<Queued>>()
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
    const touched = new Set<PeerLink<Queued>>()
    for (const message of this.partition.pass(messages)) {
      const link = this.link(message.to)
      let done!: () => void
      const sent = new Promise<void>((resolve) => (done = resolve))
      if (!link || !link.enqueue({message, done})) {
        this.counters.dropped++
        continue
      }
      delivered.push(sent)
      touched.add(link)
    }
    for (const link of touched) link.flush()
    return Promise.all(delivered).then(() => undefined)
  }

  stats(): TransportStats {
    return {...this.counters}
  }

  async close(): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.close()))
  }

  private link(id: NodeId): PeerLink<Queued> | undefined {
    let link = this.links.get(id)
    if (link) return link
    const url = this.urlOf(id)
    if (url === undefined) return undefined
    link = new PeerLink<Queued>({
      url,
      path: MESSAGES_PATH,
      inflight: INFLIGHT_PER_PEER,
      maxQueued: QUEUE_LIMIT_PER_PEER,
      timeoutMs: MESSAGE_TIMEOUT_MS,
      batchLength,
      message: (q) => q.message,
      settled: (batch, outcome) => this.settled(batch, outcome),
    })
    this.links.set(id, link)
    return link
  }

  private settled(batch: Queued[], outcome: BatchOutcome): void {
    this.counters.requests++
    this.counters.messages += batch.length
    if (outcome === 'refused') {
      this.counters.undeliverable += batch.length
      this.onUndeliverable(batch.map((q) => q.message))
    } else if (outcome !== 'delivered') {
      this.counters.dropped += batch.length
    }
    for (const q of batch) q.done()
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
