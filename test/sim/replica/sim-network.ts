import type {Rng} from '../../../src/core/common/rng.js'
import type {SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'
import type {NodeId, PeerMessage} from '../../../src/nodes/replica/consensus.js'
import type {Transport, TransportCounters} from '../../../src/nodes/replica/transport.js'

export interface NetworkFaults {
  /** Probability that a message is lost. */
  readonly dropRate: number
  /** Probability that a message is delivered twice. */
  readonly duplicateRate: number
  /** Each delivery takes a uniform delay in [minDelayMs, maxDelayMs]; distinct delays reorder messages. */
  readonly minDelayMs: number
  readonly maxDelayMs: number
}

export const perfectNetwork: NetworkFaults = {dropRate: 0, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 5}

/**
 * Where the network hands a message: the receiving node's replica while it is
 * up. It resolves with the messages that node puts in its answer, as a node
 * answers a peer's POST; they travel back over the same faulty network.
 */
export type Deliver<M extends PeerMessage> = (to: NodeId, messages: M[]) => Promise<readonly M[]>

/**
 * A lossy, duplicating, reordering network with partitions on the
 * simulation's clock. Every message goes through the real wire format and its
 * parser, so a message the core sends that a node would refuse fails the run.
 * A partition cuts messages already in flight too (checked at delivery).
 */
export class SimNetwork<M extends PeerMessage> {
  private groupOf = new Map<NodeId, number>()

  constructor(
    private readonly scheduler: SimScheduler,
    private readonly rng: Rng,
    public faults: NetworkFaults,
    /** The protocol's wire parser (a PeerWire's parse): what a node's peer route runs on a POST's body. */
    private readonly parse: (body: unknown) => M[],
    private readonly deliver: Deliver<M>,
    /** Sees every message as it is sent, for faults timed to what the nodes do. */
    private readonly onSend: (message: M) => void = () => {},
  ) {}

  /** Splits the nodes into groups that cannot talk to each other. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.groupOf = new Map(groups.flatMap((group, i) => group.map((id) => [id, i] as const)))
  }

  heal(): void {
    this.groupOf.clear()
  }

  /** A replica's transport: what it sends goes on this network. */
  transport(): Transport<M> {
    const counters: TransportCounters = {messagesSent: 0, messagesDropped: 0, peerRequests: 0}
    return {
      counters,
      send: (messages) => {
        counters.messagesSent += messages.length
        for (const message of messages) this.send(message)
      },
      close: async () => {},
    }
  }

  private send(message: M): void {
    this.onSend(message)
    const [onTheWire] = this.parse(JSON.parse(JSON.stringify({messages: [message]})))
    for (const delayMs of this.deliveryDelaysMs(message)) {
      this.scheduler.after(delayMs, () => {
        if (!this.connected(message.from, message.to)) return
        void this.deliver(message.to, [onTheWire]).then((answer) => answer.forEach((m) => this.send(m)))
      })
    }
  }

  private connected(a: NodeId, b: NodeId): boolean {
    return (this.groupOf.get(a) ?? -1) === (this.groupOf.get(b) ?? -1)
  }

  /** The delays (ms from now) at which `message` arrives: none if lost, two if duplicated. */
  private deliveryDelaysMs(message: M): number[] {
    if (!this.connected(message.from, message.to) || this.rng.next() < this.faults.dropRate) return []
    const copies = this.rng.next() < this.faults.duplicateRate ? 2 : 1
    const {minDelayMs, maxDelayMs} = this.faults
    return Array.from({length: copies}, () => minDelayMs + this.rng.int(maxDelayMs - minDelayMs + 1))
  }
}
