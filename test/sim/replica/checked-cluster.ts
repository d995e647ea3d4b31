import type {Protocol} from '../../../src/nodes/replica/consensus.js'
import type {ClusterObserver, SimNode} from './sim-replica.js'

/** A protocol's safety checks, fed every replica's events as they happen; each throws a SafetyViolation. */
export interface ClusterChecker<P extends Protocol, D> {
  /** The node (re)started: its state machine starts after `node.appliedIndex`. */
  onRecovered(node: SimNode<P, D>): void
  onPersisted?(node: SimNode<P, D>, ready: P['ready']): void
  onLeader(node: SimNode<P, D>, term: number): void
  onApply(node: SimNode<P, D>, entry: P['entry']): void
  /** The node's state machine now starts after `index` (a snapshot from a peer). */
  onRestore(node: SimNode<P, D>, index: number): void
  /** How many indexes some node applied. */
  appliedCount(): number
  /** Checks over every node's durable state, now and then and at the end. */
  checkDurable(nodes: readonly SimNode<P, D>[]): void
}

/**
 * What every simulated cluster hears from its replicas: the protocol's
 * safety checks as they report, and the first failure (a checker's verdict
 * or a replica's fatal error), kept for the run loop to throw, since a
 * callback's throw would be lost in the replica that called it.
 */
export class CheckedCluster<P extends Protocol, D, C extends ClusterChecker<P, D>> implements ClusterObserver<P, D> {
  private failure: unknown

  constructor(protected readonly safety: C) {}

  onRecovered(node: SimNode<P, D>): void {
    this.check(() => this.safety.onRecovered(node))
  }

  onPersisted(node: SimNode<P, D>, ready: P['ready']): void {
    this.check(() => this.safety.onPersisted?.(node, ready))
  }

  onLeader(node: SimNode<P, D>, term: number): void {
    this.check(() => this.safety.onLeader(node, term))
  }

  onApply(node: SimNode<P, D>, entry: P['entry']): void {
    this.check(() => this.safety.onApply(node, entry))
  }

  onRestore(node: SimNode<P, D>, index: number): void {
    this.check(() => this.safety.onRestore(node, index))
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
