import type {Entry, Message, NodeId, PersistedState, Ready, Role} from '../../../src/core/raft/index.js'
import type {SimDisk} from '../../../src/runtime/env/sim-disk.js'
import {SimEnv, type SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'
import type {Logger} from '../../../src/runtime/net/node-log.js'
import type {Transport} from '../../../src/nodes/replica/transport.js'
import type {ReplicaObserver, ReplicaEnvironment} from '../../../src/nodes/replica/ready-loop.js'
import type {RaftProtocol} from '../../../src/nodes/raft-node/raft-consensus.js'

/** What the checkers hear from every replica, with the replica's id. */
export interface ClusterObserver {
  onRecovered(node: SimReplica): void
  onLeader(node: SimReplica, term: number): void
  onApply(node: SimReplica, entry: Entry): void
  onRestore(node: SimReplica, index: number): void
  onFatal(node: SimReplica, err: unknown): void
}

/** Opens the production replica a node runs (a RaftReplica, or a wrapper around one) in its data directory, for one life. */
export type OpenReplica<R> = (dataDir: string, environment: ReplicaEnvironment<RaftProtocol>) => R

const silentLog: Logger = {info() {}, error() {}}

/** Where each simulated replica keeps its files on its own SimDisk. */
const DATA_DIR = '/data'

/**
 * One simulated node: the production replica (RaftReplica, or a wrapper such
 * as the lock replica) on its own SimEnv and a SimDisk that outlives it. A
 * crash halts the env (its timers and disk I/O in flight never complete) and
 * crashes the disk (unsynced writes are lost); a restart opens a new replica
 * on the same disk, so recovery runs RaftLogStore's real code.
 */
export class SimReplica<R = unknown> {
  private current: R | undefined
  private env: SimEnv | undefined
  private lives = 0
  role: Role = 'follower'
  appliedIndex = 0
  /** The log as the store has made it durable (what a leader's completeness is checked on). */
  durable: {snapshotIndex: number; entries: Map<number, Entry>} = {snapshotIndex: 0, entries: new Map()}

  constructor(
    readonly id: NodeId,
    private readonly seed: number,
    private readonly scheduler: SimScheduler,
    readonly disk: SimDisk,
    private readonly open: OpenReplica<R>,
    private readonly transport: () => Transport<Message>,
    private readonly observer: ClusterObserver,
    /** This node's wall clock against the others' (SimEnv's default when unset): a clock skew. */
    private readonly wallOffsetMs?: number,
  ) {
    this.start()
  }

  get up(): boolean {
    return this.current !== undefined
  }

  /** The running replica; only while the node is up. */
  get replica(): R {
    if (this.current === undefined) throw new Error(`sim: ${this.id} is down`)
    return this.current
  }

  crash(): void {
    this.env?.halt()
    this.disk.crash()
    this.current = undefined
    this.env = undefined
    this.role = 'follower'
  }

  restart(): void {
    if (!this.up) this.start()
  }

  private start(): void {
    // Each life draws from its own stream, as a restarted process would.
    this.env = new SimEnv(this.scheduler, this.seed * 7919 + this.lives++, {disk: this.disk, wallOffsetMs: this.wallOffsetMs})
    this.current = this.open(DATA_DIR, {
      env: this.env,
      transport: this.transport(),
      log: silentLog,
      onFatal: (err) => this.observer.onFatal(this, err),
      observer: this.raftObserver(),
    })
  }

  private raftObserver(): ReplicaObserver<RaftProtocol> {
    return {
      recovered: (persisted: PersistedState) => {
        const snapshotIndex = persisted.snapshot?.index ?? 0
        this.durable = {snapshotIndex, entries: new Map(persisted.entries.map((e) => [e.index, e]))}
        this.appliedIndex = snapshotIndex
        this.observer.onRecovered(this)
      },
      persisted: (ready: Ready) => {
        if (ready.snapshot !== undefined) this.durable = {snapshotIndex: ready.snapshot.index, entries: new Map()}
        // The durable entries are contiguous, so an overwritten suffix ends at the first index not held.
        const first = ready.entries[0]?.index
        if (first !== undefined) for (let index = first; this.durable.entries.delete(index); index++);
        for (const e of ready.entries) this.durable.entries.set(e.index, e)
      },
      roleChanged: (role: Role, _leader: NodeId | null, term: number) => {
        this.role = role
        if (role === 'leader') this.observer.onLeader(this, term)
      },
      restored: (snapshot: {readonly index: number}) => {
        this.appliedIndex = snapshot.index
        this.observer.onRestore(this, snapshot.index)
      },
      applied: (entry: Entry) => {
        this.appliedIndex = entry.index
        this.observer.onApply(this, entry)
      },
    }
  }
}
