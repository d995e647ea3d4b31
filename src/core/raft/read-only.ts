import type {NodeId} from './types.js'

/** A ReadIndex request a leader is confirming its leadership for. */
export interface PendingRead {
  readonly requestId: string
  /** The leader's commit index when the request arrived: the read point. */
  readonly index: number
  /** Who asked: the leader itself, or the follower that forwarded it. */
  readonly from: NodeId
  readonly acks: Set<NodeId>
}

/**
 * ReadIndex requests waiting for a heartbeat round to prove that the leader
 * was still leader after they arrived (thesis §6.4). Requests are served in
 * arrival order: a majority acknowledging a later request's heartbeat also
 * proves leadership for every earlier one.
 */
export class ReadOnlyQueue {
  private readonly queue: PendingRead[] = []
  private readonly byId = new Map<string, PendingRead>()

  get size(): number {
    return this.queue.length
  }

  /** Returns false when `requestId` is already pending (a duplicated forward). */
  add(requestId: string, index: number, from: NodeId): boolean {
    if (this.byId.has(requestId)) return false
    const read: PendingRead = {requestId, index, from, acks: new Set()}
    this.queue.push(read)
    this.byId.set(requestId, read)
    return true
  }

  /** Records that `from` answered the heartbeat for `requestId`; returns who has, or undefined if unknown. */
  recvAck(requestId: string, from: NodeId): ReadonlySet<NodeId> | undefined {
    const read = this.byId.get(requestId)
    read?.acks.add(from)
    return read?.acks
  }

  /** Removes and returns every request up to and including `requestId`. */
  release(requestId: string): PendingRead[] {
    const position = this.queue.findIndex((r) => r.requestId === requestId)
    const released = this.queue.splice(0, position + 1)
    for (const r of released) this.byId.delete(r.requestId)
    return released
  }

  /** The newest pending request, which heartbeats carry so that a lost round is retried. */
  lastRequestId(): string | null {
    return this.queue.at(-1)?.requestId ?? null
  }

  reset(): void {
    this.queue.length = 0
    this.byId.clear()
  }
}
