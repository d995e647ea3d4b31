import type {Entry} from '../../../src/core/raft/index.js'
import {SafetyChecker} from './safety-checker.js'
import type {ClusterObserver, SimReplica} from './sim-replica.js'

/**
 * What every simulated Raft cluster hears from its replicas: the Raft safety
 * checks as they report, and the first failure (a checker's verdict or a
 * replica's fatal error), kept for the run loop to throw, since a callback's
 * throw would be lost in the replica that called it.
 */
export class CheckedCluster implements ClusterObserver {
  protected readonly safety = new SafetyChecker()
  private failure: unknown

  onRecovered(node: SimReplica): void {
    this.safety.onRestore(node, node.appliedIndex)
  }

  onLeader(node: SimReplica, term: number): void {
    this.check(() => this.safety.onLeader(node, term))
  }

  onApply(node: SimReplica, entry: Entry): void {
    this.check(() => this.safety.onApply(node, entry))
  }

  onRestore(node: SimReplica, index: number): void {
    this.safety.onRestore(node, index)
  }

  onFatal(node: SimReplica, err: unknown): void {
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
