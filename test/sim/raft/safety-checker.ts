import type {Entry, NodeId} from '../../../src/core/raft/index.js'
import type {RaftProtocol} from '../../../src/nodes/raft-node/raft-consensus.js'
import type {ClusterChecker} from '../replica/checked-cluster.js'
import {check} from '../replica/safety-violation.js'
import type {DurableView, SimNode} from '../replica/sim-replica.js'

/** A Raft node's log as its store has made it durable. */
export interface RaftDurable {
  snapshotIndex: number
  entries: Map<number, Entry>
}

export type RaftSimNode = SimNode<RaftProtocol, RaftDurable>

export const raftDurableView: DurableView<RaftProtocol, RaftDurable> = {
  recovered(persisted) {
    const snapshotIndex = persisted.snapshot?.index ?? 0
    return {durable: {snapshotIndex, entries: new Map(persisted.entries.map((e) => [e.index, e]))}, appliedIndex: snapshotIndex}
  },
  persisted(durable, ready) {
    const log = ready.snapshot === undefined ? durable : {snapshotIndex: ready.snapshot.index, entries: new Map<number, Entry>()}
    // The durable entries are contiguous, so an overwritten suffix ends at the first index not held.
    const first = ready.entries[0]?.index
    if (first !== undefined) for (let index = first; log.entries.delete(index); index++);
    for (const e of ready.entries) log.entries.set(e.index, e)
    return log
  },
}

/**
 * Checks the Raft safety properties (Figure 3) as the simulation runs:
 * - Election Safety: at most one leader per term;
 * - Leader Completeness: a new leader's durable log holds every entry applied
 *   anywhere (so no acknowledged write is lost);
 * - State Machine Safety: no two nodes apply different entries at one index,
 *   and each node applies indexes in order (CheckedCluster checks that, for every protocol);
 * - Log Matching: two durable logs with the same (index, term) agree on all entries up to it.
 */
export class SafetyChecker implements ClusterChecker<RaftProtocol, RaftDurable> {
  private readonly leaderOfTerm = new Map<number, NodeId>()
  /** Every entry applied by any node, by index. */
  private readonly appliedEntries = new Map<number, Entry>()

  onLeader(node: RaftSimNode, term: number): void {
    const other = this.leaderOfTerm.get(term)
    check(other === undefined || other === node.id, `election safety: ${other} and ${node.id} both lead term ${term}`)
    this.leaderOfTerm.set(term, node.id)
    this.checkLeaderCompleteness(node, term)
  }

  onApply(node: RaftSimNode, entry: Entry): void {
    const earlier = this.appliedEntries.get(entry.index)
    if (earlier === undefined) this.appliedEntries.set(entry.index, entry)
    else
      check(
        earlier.term === entry.term && earlier.data === entry.data,
        `state machine safety: ${node.id} applied ${show(entry)} where another node applied ${show(earlier)}`,
      )
  }

  appliedCount(): number {
    return this.appliedEntries.size
  }

  /** Log Matching over every pair of durable logs. */
  checkDurable(nodes: readonly RaftSimNode[]): void {
    const logs = nodes.map((n) => ({id: n.id, entries: [...n.durable.entries.values()].sort((a, b) => a.index - b.index)}))
    for (let i = 0; i < logs.length; i++) {
      for (let j = i + 1; j < logs.length; j++) {
        const a = logs[i]
        const b = logs[j]
        const byIndexB = new Map(b.entries.map((e) => [e.index, e]))
        // Walk down from the top; once a common (index, term) is found, everything below must agree.
        let matched = false
        for (let k = a.entries.length - 1; k >= 0; k--) {
          const ea = a.entries[k]
          const eb = byIndexB.get(ea.index)
          if (eb === undefined) continue
          if (!matched && ea.term === eb.term) matched = true
          if (matched) {
            check(
              ea.term === eb.term && ea.data === eb.data,
              `log matching: ${a.id} has ${show(ea)} but ${b.id} has ${show(eb)} below a common entry`,
            )
          }
        }
      }
    }
  }

  private checkLeaderCompleteness(node: RaftSimNode, term: number): void {
    const {snapshotIndex, entries} = node.durable
    for (const [index, applied] of this.appliedEntries) {
      if (index <= snapshotIndex) continue
      const own = entries.get(index)
      check(
        own !== undefined && own.term === applied.term && own.data === applied.data,
        `leader completeness: leader ${node.id} of term ${term} lacks applied ${show(applied)}` + (own === undefined ? '' : `, has ${show(own)}`),
      )
    }
  }
}

function show(entry: Entry): string {
  return `{index ${entry.index}, term ${entry.term}, data ${JSON.stringify(entry.data)}}`
}
