import {HttpError} from '../../runtime/net/http-error.js'
import {Partition} from '../../runtime/net/partition.js'
import type {Consensus, NodeId, Protocol} from './consensus.js'
import type {ReplicaOptions} from './replica-options.js'
import {ReadyLoop, type ReplicaEnvironment} from './ready-loop.js'
import type {ReplicatedMachine} from './replicated-machine.js'

export {NotLeaderError} from './not-leader-error.js'

/** What a protocol's open function hands the Replica: its consensus adapter and what its store read back. */
export interface OpenedConsensus<P extends Protocol> {
  readonly consensus: Consensus<P>
  readonly persisted: P['persisted']
  /** The persisted snapshot the state machine starts from, if any. */
  readonly snapshot?: {readonly index: number; readonly data: string}
}

/**
 * One replica's client API over its replicated state machine, whatever the
 * consensus protocol (Raft or Multi-Paxos): writes and linearizable reads,
 * each bounded by requestTimeoutMs, answered by the ReadyLoop that drives the core.
 */
export class Replica<Command, Result, Machine extends ReplicatedMachine<Command, Result>, P extends Protocol> {
  readonly partition = new Partition()
  private readonly loop: ReadyLoop<Command, Result, P>
  private readonly counters = {writesProposed: 0, readsServed: 0, readIndexRequests: 0, messagesReceived: 0, peerRequestsReceived: 0}

  constructor(
    private readonly id: NodeId,
    private readonly options: ReplicaOptions,
    opened: OpenedConsensus<P>,
    private readonly environment: ReplicaEnvironment<P>,
    /** Applied to in log order by the loop; read it only inside `read`'s query (or where staleness does not matter). */
    readonly machine: Machine,
  ) {
    this.loop = new ReadyLoop({...environment, ...opened, machine, id, options, partition: this.partition})
  }

  /** Replicates a write and resolves with its result once it is committed and applied here. */
  async write(command: Command): Promise<Result> {
    const deadline = this.environment.env.now() + this.options.requestTimeoutMs
    await this.requireLeadership(deadline)
    this.counters.writesProposed++
    const applied = this.loop.writes.add(command)
    this.loop.schedule()
    return this.withDeadline(applied, deadline, () => `the write was not committed within ${this.options.requestTimeoutMs}ms (no quorum?); its outcome is unknown`)
  }

  /** A linearizable read (Raft thesis §6.4; the same for Paxos): runs `query` once the state machine reflects the confirmed commit index. */
  async read<T>(query: () => T): Promise<T> {
    const deadline = this.environment.env.now() + this.options.requestTimeoutMs
    await this.requireLeadership(deadline)
    this.counters.readIndexRequests++
    const confirmed = this.loop.reads.wait()
    this.loop.schedule()
    await this.withDeadline(confirmed, deadline, () => `no read point confirmed by a quorum within ${this.options.requestTimeoutMs}ms`)
    this.counters.readsServed++
    return query()
  }

  /** This replica leads, as far as it knows (a deposed leader learns it from the next message of a newer term). */
  get leading(): boolean {
    return this.loop.role === 'leader' && !this.loop.closed
  }

  /** Wakes `watcher` once at the next role or leader change, after the Ready that brought it was applied. */
  onRoleChange(watcher: () => void): void {
    this.loop.onRoleChange(watcher)
  }

  /** Messages a peer sent back in an answer. */
  receive(messages: readonly P['message'][]): void {
    this.counters.messagesReceived += messages.length
    this.loop.receive(messages)
  }

  /** A peer's POSTed batch: resolves with this replica's messages to that peer for the answer (ReadyLoop.receiveAndReply). */
  receiveAndReply(messages: readonly P['message'][]): Promise<P['message'][]> {
    this.counters.peerRequestsReceived++
    this.counters.messagesReceived += messages.length
    return this.loop.receiveAndReply(messages)
  }

  health(): Record<string, unknown> {
    const {consensus, role, leader, applied} = this.loop
    const storage = consensus.storeStats()
    return {
      role,
      leader,
      leaderUrl: leader === null ? null : this.options.peers[leader],
      ...consensus.health(),
      appliedIndex: applied,
      snapshotIndex: storage.snapshotIndex,
      ...this.machine.summary(),
      counters: {
        ...this.counters,
        ...this.loop.counters,
        ...this.environment.transport.counters,
        fsyncs: storage.fsyncs,
        walAppends: storage.appends,
        walRecords: storage.recordsWritten,
        walBytes: storage.bytesWritten,
        walSegments: storage.segments,
        segmentsDropped: storage.segmentsDropped,
        snapshotsWritten: storage.snapshotsWritten,
      },
      settings: {
        tickMs: this.options.tickMs,
        electionTicks: this.options.electionTicks,
        heartbeatTicks: this.options.heartbeatTicks,
        snapshotEntries: this.options.snapshotEntries,
        ...consensus.settings(),
      },
    }
  }

  async close(): Promise<void> {
    await this.loop.close('the replica is shutting down')
    await this.environment.transport.close()
    await this.loop.consensus.closeStore()
  }

  /**
   * Resolves when this replica leads; throws NotLeaderError when another does,
   * 503 when none emerges by `deadline` (the whole request's: waiting for a
   * leader and then for the commit share one requestTimeoutMs).
   */
  private async requireLeadership(deadline: number): Promise<void> {
    const {env} = this.environment
    for (;;) {
      if (this.loop.closed) throw new HttpError(503, 'the replica is shutting down')
      if (this.loop.role === 'leader') return
      if (this.loop.leader !== null) throw this.loop.notLeaderError()
      const remainingMs = deadline - env.now()
      if (remainingMs <= 0) throw new HttpError(503, `no leader elected within ${this.options.requestTimeoutMs}ms (is a majority of replicas up?)`)
      await new Promise<void>((resolve) => {
        const timer = env.setTimer(remainingMs, resolve)
        this.loop.onRoleChange(() => {
          timer.cancel()
          resolve()
        })
      })
    }
  }

  private withDeadline<T>(promise: Promise<T>, deadline: number, onTimeout: () => string): Promise<T> {
    const {env} = this.environment
    return new Promise<T>((resolve, reject) => {
      const timer = env.setTimer(Math.max(0, deadline - env.now()), () => reject(new HttpError(503, onTimeout())))
      promise.then(
        (value) => {
          timer.cancel()
          resolve(value)
        },
        (err: unknown) => {
          timer.cancel()
          reject(err as Error)
        },
      )
    })
  }
}
