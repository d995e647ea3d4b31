/** Where a node that has peers takes its partition (`PUT {"cutOffFrom": [node id, ...]}`). */
export const PARTITION_PATH = '/admin/partition'

/**
 * The peers a node is cut off from, as `dsys cluster partition` sets it: the
 * node drops its peer messages to them and from them, so the cut is
 * symmetric even where only one side has been told. Client requests are not touched, as
 * with Jepsen's partitions between servers. It lives in memory: a restarted
 * node comes back healed.
 */
export class Partition {
  private cut = new Set<string>()
  /** Messages dropped at the cut, both directions, since the node started. */
  dropped = 0

  /** Replaces the set of peers this node cannot reach; an empty list heals it. */
  cutOffFrom(peers: readonly string[]): void {
    this.cut = new Set(peers)
  }

  get cutOff(): string[] {
    return [...this.cut].sort()
  }

  /** The messages that cross no cut: neither their sender nor their receiver is cut off. */
  pass<M extends {readonly from: string; readonly to: string}>(messages: readonly M[]): readonly M[] {
    if (this.cut.size === 0) return messages
    const passing = messages.filter((m) => !this.cut.has(m.from) && !this.cut.has(m.to))
    this.dropped += messages.length - passing.length
    return passing
  }
}
