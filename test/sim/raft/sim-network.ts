import type {Rng} from '../../../src/core/common/rng.js'
import type {Message, NodeId} from '../../../src/core/raft/index.js'

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
 * A lossy, duplicating, reordering network with partitions. It decides the
 * fate of each message; the caller schedules the deliveries on its clock.
 * A partition cuts messages already in flight too (checked at delivery).
 */
export class SimNetwork {
  private groupOf = new Map<NodeId, number>()

  constructor(
    private readonly rng: Rng,
    public faults: NetworkFaults,
  ) {}

  /** Splits the nodes into groups that cannot talk to each other. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.groupOf = new Map(groups.flatMap((group, i) => group.map((id) => [id, i] as const)))
  }

  heal(): void {
    this.groupOf.clear()
  }

  connected(a: NodeId, b: NodeId): boolean {
    return (this.groupOf.get(a) ?? -1) === (this.groupOf.get(b) ?? -1)
  }

  /** The delays (ms from now) at which `message` arrives: none if lost, two if duplicated. */
  deliveryDelaysMs(message: Message): number[] {
    if (!this.connected(message.from, message.to) || this.rng.next() < this.faults.dropRate) return []
    const copies = this.rng.next() < this.faults.duplicateRate ? 2 : 1
    const {minDelayMs, maxDelayMs} = this.faults
    return Array.from({length: copies}, () => minDelayMs + this.rng.int(maxDelayMs - minDelayMs + 1))
  }
}
