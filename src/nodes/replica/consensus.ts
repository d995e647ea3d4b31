/** A replica's name in its group (its node name, for example "raft-1"). */
export type NodeId = string

/** What every protocol's peer message carries: the replica machinery routes on `to`. */
export interface PeerMessage {
  readonly from: NodeId
  readonly to: NodeId
}

/** A chosen (committed) command batch at `index` of the replicated sequence (a Raft log index, a Paxos slot); data '' is a no-op. */
export interface CommittedEntry {
  readonly index: number
  readonly data: string
}

/**
 * The types one consensus protocol brings to the replica machinery, bundled
 * so that ReadyLoop and Replica take one type parameter instead of four.
 */
export interface Protocol {
  readonly message: PeerMessage
  /** The core's own Ready: what its store persists. */
  readonly ready: unknown
  readonly entry: CommittedEntry
  /** What the store read back at start-up. */
  readonly persisted: unknown
}

export type ReplicaRole = 'follower' | 'preCandidate' | 'candidate' | 'leader'

/** The parts of a Ready the replica machinery acts on, the same for every protocol. */
export interface ReadyView<P extends Protocol> {
  readonly role?: {readonly role: ReplicaRole; readonly leader: NodeId | null}
  /** A snapshot from a peer: restore the state machine from it before applying `committed`. */
  readonly snapshot?: {readonly index: number; readonly data: string}
  readonly committed: readonly P['entry'][]
  readonly readStates: readonly {readonly requestId: string; readonly index: number}[]
  readonly messages: readonly P['message'][]
  /** Log entries (Raft) or accepted values (Paxos) the persist writes: for the counters. */
  readonly written: number
  /** The persist must be fsynced before any message that depends on it goes out. */
  readonly mustSync: boolean
}

/**
 * Where a proposal went: `tag` identifies it among the values that may end up
 * at `index` (Raft: the leader's term, since an entry keeps its term; Paxos:
 * the value itself, see PaxosConsensus).
 */
export type Proposal = {readonly ok: true; readonly index: number; readonly tag: number | string} | {readonly ok: false; readonly reason: 'notLeader' | 'busy'}

/** What a replica's durable storage reports on /health, the same fields for every protocol. */
export interface StoreStats {
  readonly fsyncs: number
  readonly appends: number
  readonly recordsWritten: number
  readonly bytesWritten: number
  readonly segments: number
  readonly segmentsDropped: number
  readonly snapshotsWritten: number
  readonly snapshotIndex: number
}

/**
 * One consensus protocol's pure core and its durable store, as the replica
 * machinery (ReadyLoop, Replica) drives them: the Raft core with its log
 * store, or the Multi-Paxos core with its acceptor store. Each method is the
 * core's or the store's own; the adapter only names them alike.
 */
export interface Consensus<P extends Protocol> {
  tick(): void
  /** Ticks until tick() may act (see CoreTicker). */
  ticksUntilDue(): number
  step(message: P['message']): void
  propose(data: string): Proposal
  /** The tag of the proposal applied as `entry`: when it is the one this leader proposed there, its writes are answered from the entry's results. */
  tagOf(entry: P['entry']): number | string
  /** Asks for a linearizable read point (a ReadState with this id comes later); false when this replica cannot (it does not lead). */
  readIndex(requestId: string): boolean
  hasReady(): boolean
  ready(): P['ready']
  view(ready: P['ready']): ReadyView<P>
  advance(ready: P['ready']): void
  /** Makes the Ready durable, in the order its core prescribes. */
  persist(ready: P['ready']): Promise<void>
  /** Whether `message` may go out before its Ready is persisted (a leader's replication of its own values, thesis §10.2.1). */
  sendsBeforePersist(message: P['message']): boolean
  /** Compacts the log up to `index` (applied) with the state machine's `data`, and persists the snapshot. */
  compact(index: number, data: string): Promise<void>
  /** The term (Raft) or ballot round (Paxos) this replica is in: for logs and the simulation's checkers. */
  term(): number
  /** The protocol's own /health fields (term or ballot, commit point, log bounds, followers' progress). */
  health(): Record<string, unknown>
  /** The protocol's own settings for /health (Raft's readOnly, Paxos's quorums). */
  settings(): Record<string, unknown>
  storeStats(): StoreStats
  closeStore(): Promise<void>
}

/** What the replica machinery calls on a pure core as it is: both cores have these under the same names. */
export interface SteppedCore<P extends Protocol> {
  tick(): void
  ticksUntilDue(): number
  step(message: P['message']): void
  readIndex(requestId: string): {readonly ok: boolean}
  hasReady(): boolean
  ready(): P['ready']
  advance(ready: P['ready']): void
}

/** What it calls on a protocol's store as it is. */
export interface ReadyStore<P extends Protocol> {
  persist(ready: P['ready']): Promise<void>
  stats(): StoreStats
  close(): Promise<void>
}

/** The part of a Consensus that only hands calls to the core and its store; a protocol's adapter adds the rest. */
export abstract class CoreWithStore<P extends Protocol, Core extends SteppedCore<P>, Store extends ReadyStore<P>> {
  constructor(
    protected readonly node: Core,
    protected readonly store: Store,
  ) {}

  tick(): void {
    this.node.tick()
  }

  ticksUntilDue(): number {
    return this.node.ticksUntilDue()
  }

  step(message: P['message']): void {
    this.node.step(message)
  }

  readIndex(requestId: string): boolean {
    return this.node.readIndex(requestId).ok
  }

  hasReady(): boolean {
    return this.node.hasReady()
  }

  ready(): P['ready'] {
    return this.node.ready()
  }

  advance(ready: P['ready']): void {
    this.node.advance(ready)
  }

  persist(ready: P['ready']): Promise<void> {
    return this.store.persist(ready)
  }

  storeStats(): StoreStats {
    return this.store.stats()
  }

  closeStore(): Promise<void> {
    return this.store.close()
  }
}
