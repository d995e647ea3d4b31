import type {NodeId, Protocol} from '../../../src/nodes/replica/consensus.js'
import {check} from './safety-violation.js'
import type {ClusterObserver, SimNode} from './sim-replica.js'

/** A protocol's safety checks, fed every replica's events as they happen; each throws a SafetyViolation. */
export interface ClusterChecker<P extends Protocol, D> {
  /** The node (re)started: its state machine starts after `node.appliedIndex`. */
  onRecovered?(node: SimNode<P, D>): void
  onPersisted?(node: SimNode<P, D>, ready: P['ready']): void
  onLeader(node: SimNode<P, D>, term: number): void
  /** Called only for the node's next index in order (CheckedCluster checks that). */
  onApply(node: SimNode<P, D>, entry: P['entry']): void
  /** How many indexes some node applied. */
  appliedCount(): number
  /** Checks over every node's durable state, now and then and at the end. */
  checkDurable(nodes: readonly SimNode<P, D>[]): void
}

/**
 * What every simulated cluster hears from its replicas: the protocol's
 * safety checks as they report, the check every protocol shares (each
 * replica applies indexes in order, from the one its state machine starts
 * after: a snapshot recovered or restored), and the first failure (a checker's verdict
 * or a replica's fatal error), kept for the run loop to throw, since a
 * callback's throw would be lost in the replica that called it.
 */
export class CheckedCluster<P extends Protocol, D, C extends ClusterChecker<P, D>> implements ClusterObserver<P, D> {
  private failure: unknown
  /** The last index each replica applied (or its state machine starts after). */
  private readonly lastAppliedOf = new Map<NodeId, number>()

  constructor(protected readonly safety: C) {}

  onRecovered(node: SimNode<P, D>): void {
    this.lastAppliedOf.set(node.id, node.appliedIndex)
    this.check(() => this.safety.onRecovered?.(node))
  }

  onPersisted(node: SimNode<P, D>, ready: P['ready']): void {
    this.check(() => this.safety.onPersisted?.(node, ready))
  }

  onLeader(node: SimNode<P, D>, term: number): void {
    this.check(() => this.safety.onLeader(node, term))
  }

  onApply(node: SimNode<P, D>, entry: P['entry']): void {
    this.check(() => {
      const last = this.lastAppliedOf.get(node.id) ?? 0
      check(entry.index === last + 1, `${node.id} applied ${entry.index} after ${last}`)
      this.lastAppliedOf.set(node.id, entry.index)
      this.safety.onApply(node, entry)
    })
  }

  /** The node's state machine now starts after `index` (a snapshot from a peer). */
  onRestore(node: SimNode<P, D>, index: number): void {
    this.lastAppliedOf.set(node.id, index)
  }

  onFatal(node: SimNode<P, D>, err: unknown): void {
    this.failure ??= new Error(`${node.id} failed: ${(err as Error)?.stack ?? String(err)}`, {cause: err})
  }

  /** Runs a checker; its verdict is kept and thrown by `throwIfFailed`. */
  protected check(verdict: () => void): void {
    try {
      verdict()
    } catch (err) {
      this.failure ??= err
    }
  }

  protected get failed(): boolean {
    return this.failure !== undefined
  }

  protected throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure
  }
}
