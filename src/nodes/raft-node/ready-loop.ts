import {RawNode, type Entry, type Message, type NodeId, type PersistedState, type Ready, type Role, type Snapshot} from '../../core/raft/index.js'
import type {Env} from '../../runtime/env/env.js'
import type {Logger} from '../../runtime/net/node-log.js'
import type {Partition} from '../../runtime/net/partition.js'
import {notLeader} from './not-leader-error.js'
import type {RaftLogStore} from './raft-log-store.js'
import type {RaftNodeOptions} from './raft-node-options.js'
import {RaftTicker} from './raft-ticker.js'
import type {RaftTransport} from './raft-transport.js'
import {ReadBatcher} from './read-batcher.js'
import type {ReplicatedMachine} from './replicated-machine.js'
import {WriteBatcher} from './write-batcher.js'

/** What a replica did, for the simulation's checkers; a node process passes none. */
export interface RaftObserver {
  /** What the store read back at start-up. */
  recovered(persisted: PersistedState): void
  /** The store made `ready`'s snapshot, entries and hard state durable. */
  persisted(ready: Ready): void
  roleChanged(role: Role, leader: NodeId | null, term: number): void
  /** The state machine was replaced by a snapshot from the leader. */
  restored(snapshot: Snapshot): void
  applied(entry: Entry): void
}

/** What a replica runs on: the same code runs in a node process and in the seeded simulation. */
export interface ReplicaEnvironment {
  readonly env: Env
  readonly transport: RaftTransport
  readonly log: Logger
  /** The replica cannot go on (a failed fsync, a broken invariant): end it at once (fail-stop). */
  readonly onFatal: (err: unknown) => void
  readonly observer?: RaftObserver
}

interface ReadyLoopParts<Command, Result> extends ReplicaEnvironment {
  readonly machine: ReplicatedMachine<Command, Result>
  readonly id: NodeId
  readonly options: RaftNodeOptions
  readonly store: RaftLogStore
  readonly persisted: PersistedState
  readonly partition: Partition
}

/**
 * Drives the pure Raft core: feeds it ticks (RaftTicker), proposals
 * (WriteBatcher) and read requests (ReadBatcher), and handles every Ready in
 * the order etcd-io/raft's doc.go prescribes: persist, send, apply, advance;
 * then takes a snapshot when enough entries were applied. Messages to a peer
 * whose POST is waiting for its answer go back in that answer.
 */
export class ReadyLoop<Command, Result> {
  readonly node: RawNode
  readonly machine: ReplicatedMachine<Command, Result>
  readonly writes: WriteBatcher<Command, Result>
  readonly reads: ReadBatcher
  readonly counters = {writesApplied: 0, entriesApplied: 0, entriesPersisted: 0, readies: 0, messagesInAnswers: 0}
  role: Role = 'follower'
  leader: NodeId | null = null
  applied: number
  private readonly ticker: RaftTicker
  private roleWatchers: Array<() => void> = []
  /** Peers' POSTs held open to carry this replica's next messages to them back in the answer (receiveAndReply). */
  private readonly answers = new Map<NodeId, {messages: Message[]; answer(messages: Message[]): void}>()
  private running = false
  private stopped = false
  private idle: Promise<void> = Promise.resolve()

  constructor(private readonly parts: ReadyLoopParts<Command, Result>) {
    const {id, options, env, persisted} = parts
    this.machine = parts.machine
    this.writes = new WriteBatcher(parts.machine.codec)
    this.node = new RawNode(
      {id, peers: Object.keys(options.peers), rng: env.rng, electionTicks: options.electionTicks, heartbeatTicks: options.heartbeatTicks, readOnly: options.readOnly},
      persisted,
    )
    const snapshot = persisted.snapshot
    if (snapshot !== undefined) this.machine.restore(snapshot.data)
    this.applied = snapshot?.index ?? 0
    // Request ids must never repeat across this replica's lives: the wall clock and a random draw tell lives apart.
    const idPrefix = `${id}-${env.wallNow().toFixed(0)}-${env.rng.int(2 ** 31)}`
    this.reads = new ReadBatcher(env, idPrefix, (requestId) => this.node.readIndex(requestId).ok, options.requestTimeoutMs)
    this.ticker = new RaftTicker(env, options.tickMs, this.node, () => this.schedule())
    parts.observer?.recovered(persisted)
    this.ticker.arm()
  }

  /** Wakes `watcher` once at the next role or leader change. */
  onRoleChange(watcher: () => void): void {
    this.roleWatchers.push(watcher)
  }

  /** Steps peer messages into the core (after the ticks that fell due before them). */
  receive(messages: readonly Message[]): void {
    this.ticker.catchUp()
    for (const m of this.parts.partition.pass(messages)) this.node.step(m)
    this.schedule()
  }

  /**
   * Steps a peer's batch, and resolves with this replica's messages to that
   * peer from the Ready that handles it, for the HTTP answer: a heartbeat's
   * response rides back on the heartbeat's own POST instead of a POST of its
   * own, which halves an idle cluster's requests. The sender's link carries
   * one POST at a time, so the answer never waits for an fsync: while a Ready
   * is under way, or when the next one must sync, it comes at once and empty,
   * and the replies go out as POSTs.
   */
  receiveAndReply(messages: readonly Message[]): Promise<Message[]> {
    const from = messages[0]?.from
    const busy = this.running
    this.receive(messages)
    if (from === undefined || busy || this.stopped) return Promise.resolve([])
    return new Promise((answer) => {
      // One POST at a time per link, so an older one still waiting is from a connection the peer gave up on.
      const older = this.answers.get(from)
      older?.answer(older.messages)
      this.answers.set(from, {messages: [], answer})
    })
  }

  /** Handles Readies soon: on the next turn of the event loop, so that requests arriving in this one join the same Ready. */
  schedule(): void {
    if (this.running || this.stopped) return
    this.running = true
    this.idle = new Promise((done) =>
      this.parts.env.setTimer(0, () => {
        this.drainReadies()
          .catch((err: unknown) => this.parts.onFatal(err))
          .finally(() => {
            this.running = false
            done()
          })
      }),
    )
  }

  /** Set by close(): no Ready is handled after the one in hand. */
  get closed(): boolean {
    return this.stopped
  }

  /** Stops the loop after the Ready in hand; pending requests are answered 503 with `reason`. */
  async close(reason: string): Promise<void> {
    this.stopped = true
    this.ticker.stop()
    this.answerWaiting()
    this.failPending(reason)
    await this.idle
  }

  private async drainReadies(): Promise<void> {
    for (;;) {
      this.ticker.catchUp()
      this.writes.proposeQueued((data) => this.node.propose(data), () => this.notLeaderError())
      this.reads.issueWaiting()
      if (this.stopped) return
      if (!this.node.hasReady()) break
      await this.handleReady(this.node.ready())
      await this.maybeSnapshot()
    }
    this.answerWaiting()
    this.ticker.arm()
  }

  private async handleReady(ready: Ready): Promise<void> {
    const {store, log, observer} = this.parts
    this.counters.readies++
    // A waiting peer's link holds no other POST until its answer: never make it wait for this fsync.
    if (ready.mustSync) this.answerWaiting()
    // Thesis §10.2.1: a leader may replicate entries to followers while it
    // writes them to its own disk, since it counts itself towards a commit
    // only once persisted. Its term must already be durable, though.
    const durableTerm = store.durableHardState.term
    const early: Message[] = []
    const late: Message[] = []
    for (const m of ready.messages) ((m.type === 'appendEntries' || m.type === 'heartbeat') && m.term === durableTerm ? early : late).push(m)
    if (early.length > 0) this.send(early)
    // §3.8/Figure 2: votes and appends are durable before they are acknowledged.
    await store.persist(ready)
    observer?.persisted(ready)
    this.counters.entriesPersisted += ready.entries.length
    this.send(late)
    this.answerWaiting()
    if (ready.snapshot !== undefined) {
      this.machine.restore(ready.snapshot.data)
      this.applied = ready.snapshot.index
      observer?.restored(ready.snapshot)
      log.info('installed snapshot from leader', {index: ready.snapshot.index, term: ready.snapshot.term})
    }
    for (const entry of ready.committedEntries) {
      const results = entry.data === '' ? [] : this.machine.codec.decode(entry.data).map((command) => this.machine.apply(command, entry.index))
      this.applied = entry.index
      this.counters.entriesApplied++
      this.counters.writesApplied += results.length
      observer?.applied(entry)
      this.writes.applied(entry, results)
    }
    this.reads.onReadStates(ready.readStates, this.applied)
    if (ready.softState !== undefined) this.roleChanged(ready.softState.role, ready.softState.leader)
    this.node.advance(ready)
  }

  /** Messages to a peer whose POST waits for its answer go in that answer; the rest through the transport. */
  private send(messages: readonly Message[]): void {
    const passing = this.parts.partition.pass(messages)
    if (this.answers.size === 0) return this.parts.transport.send(passing)
    const rest: Message[] = []
    for (const m of passing) {
      const waiting = this.answers.get(m.to)
      if (waiting === undefined) rest.push(m)
      else waiting.messages.push(m)
    }
    this.parts.transport.send(rest)
  }

  private answerWaiting(): void {
    for (const {messages, answer} of this.answers.values()) {
      this.counters.messagesInAnswers += messages.length
      answer(messages)
    }
    this.answers.clear()
  }

  private roleChanged(role: Role, leader: NodeId | null): void {
    const wasLeader = this.role === 'leader'
    this.role = role
    this.leader = leader
    const term = this.node.status().term
    this.parts.observer?.roleChanged(role, leader, term)
    if (wasLeader && role !== 'leader') this.failPending('leadership was lost; the outcome of pending writes is unknown, retry')
    const watchers = this.roleWatchers
    this.roleWatchers = []
    for (const wake of watchers) wake()
    this.parts.log.info('role changed', {role, leader, term})
  }

  /** The answer to a request this replica cannot serve because it does not lead. */
  notLeaderError(): Error {
    return notLeader(this.parts.id, this.leader, this.parts.options.peers)
  }

  private failPending(reason: string): void {
    this.writes.failAll(reason)
    this.reads.failAll(reason)
  }

  /** Snapshots the state machine and compacts the log once enough entries were applied since the last snapshot. */
  private async maybeSnapshot(): Promise<void> {
    const {store, options, log} = this.parts
    if (this.applied - store.stats().snapshotIndex < options.snapshotEntries) return
    const snapshot = this.node.compact(this.applied, this.machine.serialize())
    await store.saveSnapshot(snapshot)
    log.info('snapshot taken', {index: snapshot.index, ...this.machine.summary()})
  }
}
