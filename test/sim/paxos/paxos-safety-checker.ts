import {compareBallots, sameBallot, type AcceptedValue, type Ballot, type NodeId} from '../../../src/core/paxos/index.js'
import type {CommittedEntry} from '../../../src/nodes/replica/consensus.js'
import type {PaxosProtocol} from '../../../src/nodes/paxos/paxos-consensus.js'
import type {ClusterChecker} from '../replica/checked-cluster.js'
import {check} from '../replica/safety-violation.js'
import type {DurableView, SimNode} from '../replica/sim-replica.js'

/** A Paxos acceptor's state as its store has made it durable. */
export interface PaxosDurable {
  promised: Ballot
  /** Slots up to here came in a snapshot from a peer (or the one recovered): their values are gone. */
  snapshotSlot: number
  /** The last value accepted per slot. */
  accepted: Map<number, AcceptedValue>
}

export type PaxosSimNode = SimNode<PaxosProtocol, PaxosDurable>

export const paxosDurableView: DurableView<PaxosProtocol, PaxosDurable> = {
  recovered(persisted) {
    const snapshotSlot = persisted.snapshot?.slot ?? 0
    const accepted = new Map(persisted.accepted.filter((v) => v.slot > snapshotSlot).map((v) => [v.slot, v]))
    return {durable: {promised: persisted.hardState.promised, snapshotSlot, accepted}, appliedIndex: snapshotSlot}
  },
  persisted(durable, ready) {
    if (ready.snapshot !== undefined) {
      durable.snapshotSlot = ready.snapshot.slot
      for (const slot of [...durable.accepted.keys()]) if (slot <= durable.snapshotSlot) durable.accepted.delete(slot)
    }
    for (const v of ready.accepted) durable.accepted.set(v.slot, v)
    if (ready.hardState !== undefined) durable.promised = ready.hardState.promised
    return durable
  },
}

/** What is known to be decided at a slot: its value, and the lowest ballot a phase-2 quorum durably accepted it in (none when only seen applied). */
interface Decided {
  readonly data: string
  readonly ballot?: Ballot
  /** Who showed it: for the message. */
  readonly source: string
}

/**
 * The Multi-Paxos safety properties, checked on the production replicas'
 * events (the checks of the pure core's simulation, test/unit/paxos):
 * - at most one value is chosen per slot: a value is chosen once q2
 *   acceptors durably accepted it in one ballot, and every value chosen or
 *   applied at a slot is the same;
 * - P2a (Paxos Made Simple §2.2): once a value is chosen in a ballot, every
 *   acceptance in that ballot or a higher one at that slot is of that value;
 * - every replica applies slots in order (after the snapshot it starts
 *   from; CheckedCluster checks that, for every protocol), so with the
 *   above, every replica applies the same sequence;
 * - leader completeness, Paxos's form: when a replica becomes leader (its
 *   phase 1 done), its durable values hold every value chosen or applied
 *   anywhere, at or past its snapshot: phase 1 re-proposed them.
 */
export class PaxosSafetyChecker implements ClusterChecker<PaxosProtocol, PaxosDurable> {
  private readonly nodes = new Map<NodeId, PaxosSimNode>()
  private readonly decided = new Map<number, Decided>()
  /** The highest slot applied anywhere: slots are applied from 1 on, a snapshot standing for those before it. */
  private appliedTo = 0

  constructor(private readonly q2: number) {}

  onRecovered(node: PaxosSimNode): void {
    this.nodes.set(node.id, node)
  }

  onPersisted(node: PaxosSimNode, ready: PaxosProtocol['ready']): void {
    for (const value of ready.accepted) {
      this.checkAcceptance(node.id, value)
      const holders = [...this.nodes.values()].filter((n) => {
        const held = n.durable.accepted.get(value.slot)
        return held !== undefined && sameBallot(held.ballot, value.ballot)
      })
      for (const n of holders) {
        const held = n.durable.accepted.get(value.slot)!
        check(held.data === value.data, `one ballot, two values: ${n.id} accepted ${show(held)}, ${node.id} accepted ${show(value)}`)
      }
      if (holders.length >= this.q2) this.decide(value.slot, {data: value.data, ballot: value.ballot, source: `chosen by ${holders.map((n) => n.id).join(', ')} in ballot ${showBallot(value.ballot)}`})
    }
  }

  onLeader(node: PaxosSimNode, round: number): void {
    const {snapshotSlot, accepted} = node.durable
    for (const [slot, decided] of this.decided) {
      if (slot <= snapshotSlot) continue
      const own = accepted.get(slot)
      check(
        own !== undefined && own.data === decided.data,
        `leader completeness: ${node.id}, leading round ${round}, lacks slot ${slot}'s ${JSON.stringify(decided.data)} (${decided.source})` + (own === undefined ? '' : `, has ${show(own)}`),
      )
    }
  }

  onApply(node: PaxosSimNode, entry: CommittedEntry): void {
    this.appliedTo = Math.max(this.appliedTo, entry.index)
    this.decide(entry.index, {data: entry.data, source: `applied by ${node.id}`})
  }

  appliedCount(): number {
    return this.appliedTo
  }

  /** P2a over every durable acceptance (those made before their slot was known chosen included). */
  checkDurable(nodes: readonly PaxosSimNode[]): void {
    for (const node of nodes) for (const value of node.durable.accepted.values()) this.checkAcceptance(node.id, value)
  }

  private decide(slot: number, decided: Decided): void {
    const earlier = this.decided.get(slot)
    check(earlier === undefined || earlier.data === decided.data, `two values at slot ${slot}: ${JSON.stringify(earlier?.data)} (${earlier?.source}) and ${JSON.stringify(decided.data)} (${decided.source})`)
    // Keep the lowest ballot it is known chosen in: P2a holds from there on.
    if (earlier === undefined || (decided.ballot !== undefined && (earlier.ballot === undefined || compareBallots(decided.ballot, earlier.ballot) < 0))) this.decided.set(slot, decided)
  }

  private checkAcceptance(id: NodeId, value: AcceptedValue): void {
    const decided = this.decided.get(value.slot)
    if (decided?.ballot === undefined || compareBallots(value.ballot, decided.ballot) < 0) return
    check(value.data === decided.data, `P2a: ${id} accepted ${show(value)} at or above ballot ${showBallot(decided.ballot)}, in which ${JSON.stringify(decided.data)} was chosen (${decided.source})`)
  }
}

function showBallot(ballot: Ballot): string {
  return `${ballot.round}.${ballot.node}`
}

function show(value: AcceptedValue): string {
  return `{slot ${value.slot}, ballot ${showBallot(value.ballot)}, data ${JSON.stringify(value.data)}}`
}
