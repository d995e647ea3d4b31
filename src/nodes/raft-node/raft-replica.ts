import {decodeBatch, encodeBatch, encodeCommand, type KvCommand, type KvResult} from '../../core/kv/commands.js'
import {KvStateMachine} from '../../core/kv/state-machine.js'
import {HttpError} from '../../runtime/net/http-error.js'
import type {Logger} from '../../runtime/net/node-log.js'
import {RawNode, type Message, type NodeId, type PersistedState, type Ready, type Role} from '../../core/raft/index.js'
import {SeededRng} from '../../core/common/rng.js'
import {Partition} from '../../runtime/net/partition.js'
import {PeerTransport} from './peer-transport.js'
import {RaftLogStore} from './raft-log-store.js'
import type {RaftNodeOptions} from './raft-node-options.js'
import {ReadBatcher} from './read-batcher.js'

/** This replica is not the leader; `leaderUrl` is where the client should go. */
export class NotLeaderError extends Error {
  override name = 'NotLeaderError'

  constructor(
    readonly leaderId: NodeId,
    readonly leaderUrl: string,
  ) {
    super(`not the leader; the leader is ${leaderId} at ${leaderUrl}`)
  }
}

interface QueuedWrite {
  readonly encoded: string
  resolve(result: KvResult): void
  reject(err: Error): void
}

/** The writes proposed together as one entry, in the entry's command order. */
interface ProposedBatch {
  readonly term: number
  readonly writes: readonly QueuedWrite[]
}

/** Bounds on one batch entry, in encoded commands and their UTF-16 units (see RaftLogStore's record limit). */
const MAX_BATCH_WRITES = 512
const MAX_BATCH_CHARS = 512 * 1024

const counters = () => ({
  writesProposed: 0,
  writesApplied: 0,
  readsServed: 0,
  readIndexRequests: 0,
  entriesApplied: 0,
  entriesPersisted: 0,
  readies: 0,
  messagesReceived: 0,
  peerRequestsReceived: 0,
})

/**
 * Wires the pure Raft core to a clock (a tick timer), the disk (RaftLogStore),
 * the network (PeerTransport) and the KV state machine, and routes each
 * client request to the Ready that answers it. Every Ready is handled in the
 * order etcd-io/raft's doc.go prescribes: persist, send, apply, advance.
 */
export class RaftReplica {
  private readonly node: RawNode
  private readonly machine = new KvStateMachine()
  private readonly transport: PeerTransport
  readonly partition = new Partition()
  private readonly reads: ReadBatcher
  /** Writes waiting for the next Ready to be proposed as one batch entry. */
  private queuedWrites: QueuedWrite[] = []
  /** Proposed batches by log index, until applied (or leadership is lost). */
  private readonly proposedBatches = new Map<number, ProposedBatch>()
  private leaderWaiters: Array<() => void> = []
  private readonly counters = counters()
  private readonly timer: NodeJS.Timeout
  private role: Role = 'follower'
  private leader: NodeId | null = null
  private applied: number
  private running = false
  private closed = false
  private idle: Promise<void> = Promise.resolve()

  constructor(
    private readonly id: NodeId,
    private readonly options: RaftNodeOptions,
    private readonly store: RaftLogStore,
    persisted: PersistedState,
    private readonly log: Logger,
  ) {
    // Randomness only spreads election timeouts; a per-process seed keeps replicas apart.
    const rng = new SeededRng((process.pid * 2654435761 + Date.now()) >>> 0)
    this.node = new RawNode(
      {
        id,
        peers: Object.keys(options.peers),
        rng,
        electionTicks: options.electionTicks,
        heartbeatTicks: options.heartbeatTicks,
        readOnly: options.readOnly,
      },
      persisted,
    )
    const snapshot = persisted.snapshot
    if (snapshot !== undefined) this.machine.restore(snapshot.data)
    this.applied = snapshot?.index ?? 0
    this.transport = new PeerTransport(options.peers, id, this.partition)
    this.reads = new ReadBatcher(`${id}-${process.pid}-${Date.now()}`, (requestId) => this.node.readIndex(requestId).ok, options.requestTimeoutMs)
    this.timer = setInterval(() => {
      this.node.tick()
      this.schedule()
    }, options.tickMs)
  }

  static open(id: NodeId, dataDir: string, options: RaftNodeOptions, log: Logger): RaftReplica {
    const {store, persisted} = RaftLogStore.open(dataDir, {segmentBytes: options.walSegmentBytes})
    log.info('raft log recovered', {
      term: persisted.hardState.term,
      vote: persisted.hardState.vote,
      commit: persisted.hardState.commit,
      snapshotIndex: persisted.snapshot?.index ?? 0,
      entries: persisted.entries.length,
    })
    return new RaftReplica(id, options, store, persisted, log)
  }

  /** Replicates a write and resolves with its result once it is committed and applied here. */
  async write(command: KvCommand): Promise<KvResult> {
    const deadline = Date.now() + this.options.requestTimeoutMs
    await this.requireLeadership(deadline)
    this.counters.writesProposed++
    const applied = new Promise<KvResult>((resolve, reject) => this.queuedWrites.push({encoded: encodeCommand(command), resolve, reject}))
    this.schedule()
    return this.withDeadline(applied, deadline, () => `the write was not committed within ${this.options.requestTimeoutMs}ms (no quorum?); its outcome is unknown`)
  }

  /** A linearizable read (thesis §6.4): served once the state machine reflects the confirmed commit index. */
  async read(key: string): Promise<string | undefined> {
    const deadline = Date.now() + this.options.requestTimeoutMs
    await this.requireLeadership(deadline)
    this.counters.readIndexRequests++
    const confirmed = this.reads.wait()
    this.schedule()
    await this.withDeadline(confirmed, deadline, () => `no read point confirmed by a quorum within ${this.options.requestTimeoutMs}ms`)
    this.counters.readsServed++
    return this.machine.get(key)
  }

  receive(messages: readonly Message[]): void {
    this.counters.peerRequestsReceived++
    this.counters.messagesReceived += messages.length
    for (const m of this.partition.pass(messages)) this.node.step(m)
    this.schedule()
  }

  health(): Record<string, unknown> {
    const status = this.node.status()
    const storage = this.store.stats()
    return {
      role: status.role,
      term: status.term,
      leader: status.leader,
      leaderUrl: status.leader === null ? null : this.options.peers[status.leader],
      commitIndex: status.commit,
      appliedIndex: this.applied,
      firstIndex: status.firstIndex,
      lastIndex: status.lastIndex,
      logSize: status.lastIndex - status.firstIndex + 1,
      snapshotIndex: storage.snapshotIndex,
      keys: this.machine.size,
      counters: {
        ...this.counters,
        ...this.transport.counters,
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
    this.closed = true
    clearInterval(this.timer)
    this.failPending('the replica is shutting down')
    await this.idle
    await this.transport.close()
    await this.store.close()
  }

  /**
   * Resolves when this replica leads; throws NotLeaderError when another does,
   * 503 when none emerges by `deadline` (the whole request's: waiting for a
   * leader and then for the commit share one requestTimeoutMs).
   */
  private async requireLeadership(deadline: number): Promise<void> {
    if (this.closed) throw new HttpError(503, 'the replica is shutting down')
    for (;;) {
      if (this.role === 'leader') return
      if (this.leader !== null) throw this.notLeader()
      const remainingMs = deadline - Date.now()
      if (remainingMs <= 0) throw new HttpError(503, `no leader elected within ${this.options.requestTimeoutMs}ms (is a majority of replicas up?)`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remainingMs)
        this.leaderWaiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  private notLeader(): Error {
    if (this.leader === null || this.leader === this.id) return new HttpError(503, 'leadership is changing; retry')
    return new NotLeaderError(this.leader, this.options.peers[this.leader])
  }

  private withDeadline<T>(promise: Promise<T>, deadline: number, onTimeout: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new HttpError(503, onTimeout())), Math.max(0, deadline - Date.now()))
      promise.then(
        (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        (err: unknown) => {
          clearTimeout(timer)
          reject(err as Error)
        },
      )
    })
  }

  private schedule(): void {
    if (this.running || this.closed) return
    this.running = true
    // setImmediate, not now: requests that arrive in this turn of the event loop join the same Ready.
    this.idle = new Promise((done) =>
      setImmediate(() => {
        this.drainReadies()
          .catch((err: unknown) => {
            // Fail-stop: a replica that cannot persist must not keep voting or acknowledging.
            this.log.error('raft loop failed; exiting', {error: (err as Error)?.stack ?? String(err)})
            process.exit(1)
          })
          .finally(() => {
            this.running = false
            done()
          })
      }),
    )
  }

  private async drainReadies(): Promise<void> {
    for (;;) {
      this.proposeQueuedWrites()
      this.reads.issueWaiting()
      if (this.closed || !this.node.hasReady()) return
      await this.handleReady(this.node.ready())
      await this.maybeSnapshot()
    }
  }

  /** Proposes the queued writes as batch entries (the leader's group commit: one entry, one fsync, one message per follower). */
  private proposeQueuedWrites(): void {
    while (this.queuedWrites.length > 0) {
      let count = 0
      let chars = 0
      while (count < this.queuedWrites.length && count < MAX_BATCH_WRITES && (count === 0 || chars + this.queuedWrites[count].encoded.length <= MAX_BATCH_CHARS)) {
        chars += this.queuedWrites[count].encoded.length
        count++
      }
      const writes = this.queuedWrites.splice(0, count)
      const proposed = this.node.propose(encodeBatch(writes.map((w) => w.encoded)))
      if (proposed.ok) {
        this.proposedBatches.set(proposed.index, {term: proposed.term, writes})
        continue
      }
      const err = proposed.reason === 'tooManyUncommitted' ? new HttpError(503, 'too many uncommitted writes; retry later') : this.notLeader()
      for (const w of writes) w.reject(err)
    }
  }

  private async handleReady(ready: Ready): Promise<void> {
    this.counters.readies++
    // Thesis §10.2.1: a leader may replicate entries to followers while it
    // writes them to its own disk, since it counts itself towards a commit
    // only once persisted. Its term must already be durable, though.
    const durableTerm = this.store.durableHardState.term
    const early = ready.messages.filter((m) => (m.type === 'appendEntries' || m.type === 'heartbeat') && m.term === durableTerm)
    if (early.length > 0) this.transport.send(early)
    // §3.8/Figure 2: votes and appends are durable before they are acknowledged.
    await this.store.persist(ready)
    this.counters.entriesPersisted += ready.entries.length
    this.transport.send(early.length === 0 ? ready.messages : ready.messages.filter((m) => !early.includes(m)))
    if (ready.snapshot !== undefined) {
      this.machine.restore(ready.snapshot.data)
      this.applied = ready.snapshot.index
      this.log.info('installed snapshot from leader', {index: ready.snapshot.index, term: ready.snapshot.term})
    }
    for (const entry of ready.committedEntries) {
      const results = entry.data === '' ? [] : decodeBatch(entry.data).map((command) => this.machine.apply(command))
      this.applied = entry.index
      this.counters.entriesApplied++
      this.counters.writesApplied += results.length
      const batch = this.proposedBatches.get(entry.index)
      if (batch === undefined) continue
      this.proposedBatches.delete(entry.index)
      if (batch.term === entry.term) batch.writes.forEach((w, i) => w.resolve(results[i]))
      else for (const w of batch.writes) w.reject(new HttpError(503, 'the write was overwritten by a new leader and not applied; retry'))
    }
    this.reads.onReadStates(ready.readStates, this.applied)
    if (ready.softState !== undefined) this.onSoftState(ready.softState.role, ready.softState.leader)
    this.node.advance(ready)
  }

  private onSoftState(role: Role, leader: NodeId | null): void {
    const wasLeader = this.role === 'leader'
    this.role = role
    this.leader = leader
    if (wasLeader && role !== 'leader') this.failPending('leadership was lost; the outcome of pending writes is unknown, retry')
    if (leader !== null || role === 'leader') {
      const waiters = this.leaderWaiters
      this.leaderWaiters = []
      for (const wake of waiters) wake()
    }
    this.log.info('role changed', {role, leader, term: this.node.status().term})
  }

  private failPending(reason: string): void {
    const err = new HttpError(503, reason)
    for (const batch of this.proposedBatches.values()) for (const w of batch.writes) w.reject(err)
    this.proposedBatches.clear()
    for (const w of this.queuedWrites) w.reject(err)
    this.queuedWrites = []
    this.reads.failAll(reason)
  }

  /** Snapshots the state machine and compacts the log once enough entries were applied since the last snapshot. */
  private async maybeSnapshot(): Promise<void> {
    if (this.applied - this.store.stats().snapshotIndex < this.options.snapshotEntries) return
    const snapshot = this.node.compact(this.applied, this.machine.serialize())
    await this.store.saveSnapshot(snapshot)
    this.log.info('snapshot taken', {index: snapshot.index, keys: this.machine.size})
  }
}
