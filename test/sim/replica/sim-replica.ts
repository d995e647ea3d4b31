import type {SimDisk} from '../../../src/runtime/env/sim-disk.js'
import {SimEnv, type SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'
import type {Logger} from '../../../src/runtime/net/node-log.js'
import type {NodeId, Protocol, ReplicaRole} from '../../../src/nodes/replica/consensus.js'
import type {Transport} from '../../../src/nodes/replica/transport.js'
import type {ReplicaObserver, ReplicaEnvironment} from '../../../src/nodes/replica/ready-loop.js'
import {PausableEnv} from './pausable-env.js'

/** A simulated node of protocol P whose durable state the checkers see as D, whatever replica it runs. */
export type SimNode<P extends Protocol, D> = SimReplica<unknown, P, D>

/** What the checkers hear from every replica, with the replica's id. */
export interface ClusterObserver<P extends Protocol, D> {
  onRecovered(node: SimNode<P, D>): void
  /** `node.durable` already includes `ready`. */
  onPersisted(node: SimNode<P, D>, ready: P['ready']): void
  onLeader(node: SimNode<P, D>, term: number): void
  onApply(node: SimNode<P, D>, entry: P['entry']): void
  onRestore(node: SimNode<P, D>, index: number): void
  onFatal(node: SimNode<P, D>, err: unknown): void
}

/**
 * How a protocol's durable state looks to the checkers (D): rebuilt from
 * what the store read back at start-up, then carried forward by each Ready
 * the store made durable. Only what an fsync covered is in it, so it is what
 * survives a crash.
 */
export interface DurableView<P extends Protocol, D> {
  /** The durable state the store read back, and the index the state machine starts after (its snapshot's). */
  recovered(persisted: P['persisted']): {readonly durable: D; readonly appliedIndex: number}
  /** The durable state once `ready` is persisted on top of `durable`. */
  persisted(durable: D, ready: P['ready']): D
}

/** Opens the production replica a node runs (a Replica, or a wrapper around one) in its data directory, for one life. */
export type OpenReplica<R, P extends Protocol> = (dataDir: string, environment: ReplicaEnvironment<P>) => R

const silentLog: Logger = {info() {}, error() {}}

/** Where each simulated replica keeps its files on its own SimDisk. */
const DATA_DIR = '/data'

/**
 * One simulated node: the production replica (a Raft or Paxos Replica, or a
 * wrapper such as the lock replica) on its own SimEnv and a SimDisk that
 * outlives it. A crash halts the env (its timers and disk I/O in flight
 * never complete) and crashes the disk (unsynced writes are lost); a restart
 * opens a new replica on the same disk, so recovery runs the protocol
 * store's real code. A pause stops the process without losing anything.
 */
export class SimReplica<R, P extends Protocol, D> {
  private current: R | undefined
  private env: PausableEnv | undefined
  private lives = 0
  /** Paused: its timers wait (PausableEnv), and nothing it sends or is sent arrives. */
  paused = false
  role: ReplicaRole = 'follower'
  appliedIndex = 0
  /** What the store has made durable (what a new leader's completeness is checked on); set by the first start. */
  durable!: D

  constructor(
    readonly id: NodeId,
    private readonly seed: number,
    private readonly scheduler: SimScheduler,
    readonly disk: SimDisk,
    private readonly open: OpenReplica<R, P>,
    private readonly durableView: DurableView<P, D>,
    private readonly transport: () => Transport<P['message']>,
    private readonly observer: ClusterObserver<P, D>,
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
    this.paused = false
  }

  pause(): void {
    this.paused = true
    this.env?.pause()
  }

  resume(): void {
    this.paused = false
    this.env?.resume()
  }

  restart(): void {
    if (!this.up) this.start()
  }

  private start(): void {
    // Each life draws from its own stream, as a restarted process would.
    this.env = new PausableEnv(new SimEnv(this.scheduler, this.seed * 7919 + this.lives++, {disk: this.disk, wallOffsetMs: this.wallOffsetMs}))
    const transport = this.transport()
    this.current = this.open(DATA_DIR, {
      env: this.env,
      transport: {
        ...transport,
        send: (messages) => {
          if (!this.paused) transport.send(messages)
        },
      },
      log: silentLog,
      onFatal: (err) => this.observer.onFatal(this, err),
      observer: this.replicaObserver(),
    })
  }

  private replicaObserver(): ReplicaObserver<P> {
    return {
      recovered: (persisted) => {
        const {durable, appliedIndex} = this.durableView.recovered(persisted)
        this.durable = durable
        this.appliedIndex = appliedIndex
        this.observer.onRecovered(this)
      },
      persisted: (ready) => {
        this.durable = this.durableView.persisted(this.durable, ready)
        this.observer.onPersisted(this, ready)
      },
      roleChanged: (role, _leader, term) => {
        this.role = role
        if (role === 'leader') this.observer.onLeader(this, term)
      },
      restored: (snapshot) => {
        this.appliedIndex = snapshot.index
        this.observer.onRestore(this, snapshot.index)
      },
      applied: (entry) => {
        this.appliedIndex = entry.index
        this.observer.onApply(this, entry)
      },
    }
  }
}
