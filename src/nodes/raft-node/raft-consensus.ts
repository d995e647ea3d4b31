import {RawNode, type Entry, type Message, type PersistedState, type Ready} from '../../core/raft/index.js'
import {CoreWithStore, type Consensus, type NodeId, type Proposal, type ReadyView} from '../replica/consensus.js'
import {Replica} from '../replica/replica.js'
import type {ReplicaOptions} from '../replica/replica-options.js'
import type {ReplicaEnvironment} from '../replica/ready-loop.js'
import type {ReplicatedMachine} from '../replica/replicated-machine.js'
import {RaftLogStore} from './raft-log-store.js'

/** The Raft core's types, for the replica machinery. */
export interface RaftProtocol {
  readonly message: Message
  readonly ready: Ready
  readonly entry: Entry
  readonly persisted: PersistedState
}

/** The Raft core (RawNode) and its log store, as the replica machinery drives them. */
export class RaftConsensus extends CoreWithStore<RaftProtocol, RawNode, RaftLogStore> implements Consensus<RaftProtocol> {
  constructor(
    node: RawNode,
    store: RaftLogStore,
    private readonly options: ReplicaOptions,
  ) {
    super(node, store)
  }

  propose(data: string): Proposal {
    const result = this.node.propose(data)
    if (result.ok) return {ok: true, index: result.index, tag: result.term}
    return {ok: false, reason: result.reason === 'tooManyUncommitted' ? 'busy' : 'notLeader'}
  }

  /** An entry keeps the term it was proposed in, so the same index and term is the same proposal. */
  tagOf(entry: Entry): number {
    return entry.term
  }

  view(ready: Ready): ReadyView<RaftProtocol> {
    return {
      ...(ready.softState === undefined ? {} : {role: ready.softState}),
      ...(ready.snapshot === undefined ? {} : {snapshot: ready.snapshot}),
      committed: ready.committedEntries,
      readStates: ready.readStates,
      messages: ready.messages,
      written: ready.entries.length,
      mustSync: ready.mustSync,
    }
  }

  /**
   * Thesis §10.2.1: a leader may replicate entries to followers while it
   * writes them to its own disk, since it counts itself towards a commit
   * only once persisted. Its term must already be durable, though.
   */
  sendsBeforePersist(m: Message): boolean {
    return (m.type === 'appendEntries' || m.type === 'heartbeat') && m.term === this.store.durableHardState.term
  }

  async compact(index: number, data: string): Promise<void> {
    await this.store.saveSnapshot(this.node.compact(index, data))
  }

  term(): number {
    return this.node.status().term
  }

  health(): Record<string, unknown> {
    const status = this.node.status()
    return {
      term: status.term,
      commitIndex: status.commit,
      firstIndex: status.firstIndex,
      lastIndex: status.lastIndex,
      logSize: status.lastIndex - status.firstIndex + 1,
      ...(status.progress === undefined ? {} : {progress: status.progress}),
    }
  }

  settings(): Record<string, unknown> {
    return {readOnly: this.options.readOnly}
  }

}

/** Opens a Raft replica of `machine` in `dataDir`: recovers the log store and starts the core from it. */
export function openRaftReplica<Command, Result, Machine extends ReplicatedMachine<Command, Result>>(
  id: NodeId,
  dataDir: string,
  options: ReplicaOptions,
  environment: ReplicaEnvironment<RaftProtocol>,
  // The intersection lets TypeScript infer Command and Result from the machine as well as keep its own type.
  machine: Machine & ReplicatedMachine<Command, Result>,
): Replica<Command, Result, Machine, RaftProtocol> {
  const {store, persisted} = RaftLogStore.open(dataDir, {segmentBytes: options.walSegmentBytes}, environment.env.disk)
  environment.log.info('raft log recovered', {
    term: persisted.hardState.term,
    vote: persisted.hardState.vote,
    commit: persisted.hardState.commit,
    snapshotIndex: persisted.snapshot?.index ?? 0,
    entries: persisted.entries.length,
  })
  const {env} = environment
  const node = new RawNode(
    {id, peers: Object.keys(options.peers), rng: env.rng, electionTicks: options.electionTicks, heartbeatTicks: options.heartbeatTicks, readOnly: options.readOnly},
    persisted,
  )
  const consensus = new RaftConsensus(node, store, options)
  return new Replica(id, options, {consensus, persisted, ...(persisted.snapshot === undefined ? {} : {snapshot: persisted.snapshot})}, environment, machine)
}
