import {checkQuorums} from '../../core/paxos/config.js'
import {PaxosNode, sameBallot, type Message, type PersistedState, type Ready} from '../../core/paxos/index.js'
import {CoreWithStore, type CommittedEntry, type Consensus, type NodeId, type Proposal, type ReadyView} from '../replica/consensus.js'
import type {PeerWire} from '../replica/peer-transport.js'
import {Replica} from '../replica/replica.js'
import type {ReplicaOptions} from '../replica/replica-options.js'
import type {ReplicaEnvironment} from '../replica/ready-loop.js'
import type {ReplicatedMachine} from '../replica/replicated-machine.js'
import {PaxosLogStore} from './paxos-log-store.js'
import {paxosMessageParser} from './paxos-wire.js'

/** The Multi-Paxos core's types, for the replica machinery. A chosen value is applied as the entry at its slot. */
export interface PaxosProtocol {
  readonly message: Message
  readonly ready: Ready
  readonly entry: CommittedEntry
  readonly persisted: PersistedState
}

/** Where Paxos peers POST each other's messages: `{"messages": Message[]}`. */
export const PAXOS_MESSAGES_PATH = '/paxos/messages'

/** The Paxos wire of a group: the parser refuses messages naming anyone outside `members`. */
export function paxosWire(members: readonly NodeId[]): PeerWire<Message> {
  return {path: PAXOS_MESSAGES_PATH, parse: paxosMessageParser(members)}
}

/** The Multi-Paxos core (PaxosNode) and its acceptor store, as the replica machinery drives them. */
export class PaxosConsensus extends CoreWithStore<PaxosProtocol, PaxosNode, PaxosLogStore> implements Consensus<PaxosProtocol> {
  constructor(
    node: PaxosNode,
    store: PaxosLogStore,
    private readonly quorums: {q1: number; q2: number},
  ) {
    super(node, store)
  }

  propose(data: string): Proposal {
    const result = this.node.propose(data)
    if (result.ok) return {ok: true, index: result.slot, tag: data}
    return {ok: false, reason: result.reason === 'tooManyUnchosen' ? 'busy' : 'notLeader'}
  }

  /**
   * A chosen value does not say which leader proposed it, so a proposal is
   * known by its value: if the value chosen at the slot is the batch this
   * leader proposed there (re-proposed by a later leader's phase 1, or an
   * identical batch, which applies identically), its writes took effect
   * there and are answered from its results; otherwise they failed.
   */
  tagOf(entry: CommittedEntry): string {
    return entry.data
  }

  view(ready: Ready): ReadyView<PaxosProtocol> {
    return {
      ...(ready.softState === undefined ? {} : {role: ready.softState}),
      ...(ready.snapshot === undefined ? {} : {snapshot: {index: ready.snapshot.slot, data: ready.snapshot.data}}),
      committed: ready.committed.map((v) => ({index: v.slot, data: v.data})),
      readStates: ready.readStates,
      messages: ready.messages,
      written: ready.accepted.length,
      mustSync: ready.mustSync,
    }
  }

  /**
   * A leader's accepts in its durable ballot may go out while it writes the
   * same values to its own disk: it counts its own acceptance only once
   * persisted (PaxosNode.advance), as a Raft leader does (thesis §10.2.1).
   * Promises, accepted replies and nacks wait for the fsync.
   */
  sendsBeforePersist(m: Message): boolean {
    return m.type === 'accept' && sameBallot(m.ballot, this.store.durablePromised)
  }

  async compact(index: number, data: string): Promise<void> {
    await this.store.saveSnapshot(this.node.compact(index, data))
  }

  /** The ballot round stands in for Raft's term in logs and the simulation's leader checks. */
  term(): number {
    return this.node.status().promised.round
  }

  health(): Record<string, unknown> {
    const status = this.node.status()
    return {
      // "round.node", as ballots are written: the status table shows it as it is.
      ballot: `${status.promised.round}.${status.promised.node}`,
      commitIndex: status.chosen,
      nextSlot: status.nextSlot,
    }
  }

  settings(): Record<string, unknown> {
    return {...this.quorums}
  }

}

/** Opens a Multi-Paxos replica of `machine` in `dataDir`: recovers the acceptor store and starts the core from it. */
export function openPaxosReplica<Command, Result, Machine extends ReplicatedMachine<Command, Result>>(
  id: NodeId,
  dataDir: string,
  options: ReplicaOptions,
  environment: ReplicaEnvironment<PaxosProtocol>,
  machine: Machine & ReplicatedMachine<Command, Result>,
): Replica<Command, Result, Machine, PaxosProtocol> {
  const {store, persisted} = PaxosLogStore.open(dataDir, {segmentBytes: options.walSegmentBytes}, environment.env.disk)
  environment.log.info('paxos acceptor state recovered', {
    promised: persisted.hardState.promised,
    chosen: persisted.hardState.chosen,
    snapshotSlot: persisted.snapshot?.slot ?? 0,
    accepted: persisted.accepted.length,
  })
  const peers = Object.keys(options.peers)
  const quorums = checkQuorums(peers.length, options.q1, options.q2)
  const node = new PaxosNode({id, peers, rng: environment.env.rng, electionTicks: options.electionTicks, heartbeatTicks: options.heartbeatTicks, ...quorums}, persisted)
  const consensus = new PaxosConsensus(node, store, quorums)
  const snapshot = persisted.snapshot
  return new Replica(id, options, {consensus, persisted, ...(snapshot === undefined ? {} : {snapshot: {index: snapshot.slot, data: snapshot.data}})}, environment, machine)
}
