import type {Message, NodeId, PersistedState} from '../../core/raft/index.js'
import {HttpError} from '../../runtime/net/http-error.js'
import {Partition} from '../../runtime/net/partition.js'
import {RaftLogStore} from './raft-log-store.js'
import type {RaftNodeOptions} from './raft-node-options.js'
import {ReadyLoop, type ReplicaEnvironment} from './ready-loop.js'
import type {ReplicatedMachine} from './replicated-machine.js'

export {NotLeaderError} from './not-leader-error.js'

/**
 * One Raft replica's client API over its replicated state machine: writes
 * and linearizable reads, each bounded by requestTimeoutMs, answered by the
 * ReadyLoop that drives the core.
 */
export class RaftReplica<Command, Result, Machine extends ReplicatedMachine<Command, Result> = ReplicatedMachine<Command, Result>> {
  readonly partition = new Partition()
  private readonly loop: ReadyLoop<Command, Result>
  private readonly counters = {writesProposed: 0, readsServed: 0, readIndexRequests: 0, messagesReceived: 0, peerRequestsReceived: 0}

  constructor(
    private readonly id: NodeId,
    private readonly options: RaftNodeOptions,
    private readonly store: RaftLogStore,
    persisted: PersistedState,
    private readonly environment: ReplicaEnvironment,
    /** Applied to in log order by the loop; read it only inside `read`'s query (or where staleness does not matter). */
    readonly machine: Machine,
  ) {
    this.loop = new ReadyLoop({...environment, machine, id, options, store, persisted, partition: this.partition})
  }

  static open<Command, Result, Machine extends ReplicatedMachine<Command, Result>>(
    id: NodeId,
    dataDir: string,
    options: RaftNodeOptions,
    environment: ReplicaEnvironment,
    // The intersection lets TypeScript infer Command and Result from the machine as well as keep its own type.
    machine: Machine & ReplicatedMachine<Command, Result>,
  ): RaftReplica<Command, Result, Machine> {
    const {store, persisted} = RaftLogStore.open(dataDir, {segmentBytes: options.walSegmentBytes}, environment.env.disk)
    environment.log.info('raft log recovered', {
      term: persisted.hardState.term,
      vote: persisted.hardState.vote,
      commit: persisted.hardState.commit,
      snapshotIndex: persisted.snapshot?.index ?? 0,
      entries: persisted.entries.length,
    })
    return new RaftReplica(id, options, store, persisted, environment, machine)
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

  /** A linearizable read (thesis §6.4): runs `query` once the state machine reflects the confirmed commit index. */
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
  receive(messages: readonly Message[]): void {
    this.counters.messagesReceived += messages.length
    this.loop.receive(messages)
  }

  /** A peer's POSTed batch: resolves with this replica's messages to that peer for the answer (ReadyLoop.receiveAndReply). */
  receiveAndReply(messages: readonly Message[]): Promise<Message[]> {
    this.counters.peerRequestsReceived++
    this.counters.messagesReceived += messages.length
    return this.loop.receiveAndReply(messages)
  }

  health(): Record<string, unknown> {
    const status = this.loop.node.status()
    const storage = this.store.stats()
    return {
      role: status.role,
      term: status.term,
      leader: status.leader,
      leaderUrl: status.leader === null ? null : this.options.peers[status.leader],
      commitIndex: status.commit,
      appliedIndex: this.loop.applied,
      firstIndex: status.firstIndex,
      lastIndex: status.lastIndex,
      logSize: status.lastIndex - status.firstIndex + 1,
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
      ...(status.progress === undefined ? {} : {progress: status.progress}),
      settings: {
        tickMs: this.options.tickMs,
        electionTicks: this.options.electionTicks,
        heartbeatTicks: this.options.heartbeatTicks,
        snapshotEntries: this.options.snapshotEntries,
        readOnly: this.options.readOnly,
      },
    }
  }

  async close(): Promise<void> {
    await this.loop.close('the replica is shutting down')
    await this.environment.transport.close()
    await this.store.close()
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
