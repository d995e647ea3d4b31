import type {Env} from '../../runtime/env/env.js'
import type {Logger} from '../../runtime/net/node-log.js'
import type {Partition} from '../../runtime/net/partition.js'
import type {Consensus, NodeId, Protocol, ReadyView, ReplicaRole} from './consensus.js'
import {CoreTicker} from './core-ticker.js'
import {notLeader} from './not-leader-error.js'
import type {ReplicaOptions} from './replica-options.js'
import {ReadBatcher} from './read-batcher.js'
import type {ReplicatedMachine} from './replicated-machine.js'
import type {Transport} from './transport.js'
import {WriteBatcher} from './write-batcher.js'

/** What a replica did, for the simulation's checkers; a node process passes none. */
export interface ReplicaObserver<P extends Protocol> {
  /** What the store read back at start-up. */
  recovered(persisted: P['persisted']): void
  /** The store made `ready` durable. */
  persisted(ready: P['ready']): void
  roleChanged(role: ReplicaRole, leader: NodeId | null, term: number): void
  /** The state machine was replaced by a snapshot from a peer. */
  restored(snapshot: {readonly index: number}): void
  applied(entry: P['entry']): void
}

/** What a replica runs on: the same code runs in a node process and in the seeded simulation. */
export interface ReplicaEnvironment<P extends Protocol> {
  readonly env: Env
  readonly transport: Transport<P['message']>
  readonly log: Logger
  /** The replica cannot go on (a failed fsync, a broken invariant): end it at once (fail-stop). */
  readonly onFatal: (err: unknown) => void
  readonly observer?: ReplicaObserver<P>
}

interface ReadyLoopParts<Command, Result, P extends Protocol> extends ReplicaEnvironment<P> {
  readonly machine: ReplicatedMachine<Command, Result>
  readonly id: NodeId
  readonly options: ReplicaOptions
  readonly consensus: Consensus<P>
  /** The state machine's state at start-up: the persisted snapshot's. */
  readonly snapshot?: {readonly index: number; readonly data: string}
  readonly persisted: P['persisted']
  readonly partition: Partition
}

/**
 * Drives a pure consensus core (Raft or Multi-Paxos, through Consensus):
 * feeds it ticks (CoreTicker), proposals (WriteBatcher) and read requests
 * (ReadBatcher), and handles every Ready in the order both cores prescribe
 * (etcd-io/raft's doc.go): persist, send, apply, advance; then takes a
 * snapshot when enough entries were applied. Messages to a peer whose POST is
 * waiting for its answer go back in that answer.
 */
export class ReadyLoop<Command, Result, P extends Protocol> {
  readonly consensus: Consensus<P>
  readonly machine: ReplicatedMachine<Command, Result>
  readonly writes: WriteBatcher<Command, Result>
  readonly reads: ReadBatcher
  readonly counters = {writesApplied: 0, entriesApplied: 0, entriesPersisted: 0, readies: 0, messagesInAnswers: 0}
  role: ReplicaRole = 'follower'
  leader: NodeId | null = null
  applied: number
  private readonly ticker: CoreTicker
  private roleWatchers: Array<() => void> = []
  /** Peers' POSTs held open to carry this replica's next messages to them back in the answer (receiveAndReply). */
  private readonly answers = new Map<NodeId, {messages: P['message'][]; answer(messages: P['message'][]): void}>()
  private running = false
  private stopped = false
  private idle: Promise<void> = Promise.resolve()

  constructor(private readonly parts: ReadyLoopParts<Command, Result, P>) {
    const {id, options, env, snapshot} = parts
    this.machine = parts.machine
    this.consensus = parts.consensus
    this.writes = new WriteBatcher(parts.machine.codec)
    if (snapshot !== undefined) this.machine.restore(snapshot.data)
    this.applied = snapshot?.index ?? 0
    // Request ids must never repeat across this replica's lives: the wall clock and a random draw tell lives apart.
    const idPrefix = `${id}-${env.wallNow().toFixed(0)}-${env.rng.int(2 ** 31)}`
    this.reads = new ReadBatcher(env, idPrefix, (requestId) => this.consensus.readIndex(requestId), options.requestTimeoutMs)
    this.ticker = new CoreTicker(env, options.tickMs, this.consensus, () => this.schedule())
    parts.observer?.recovered(parts.persisted)
    this.ticker.arm()
  }

  /** Wakes `watcher` once at the next role or leader change. */
  onRoleChange(watcher: () => void): void {
    this.roleWatchers.push(watcher)
  }

  /** Steps peer messages into the core (after the ticks that fell due before them). */
  receive(messages: readonly P['message'][]): void {
    this.ticker.catchUp()
    for (const m of this.parts.partition.pass(messages)) this.consensus.step(m)
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
  receiveAndReply(messages: readonly P['message'][]): Promise<P['message'][]> {
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
      this.writes.proposeQueued((data) => this.consensus.propose(data), () => this.notLeaderError())
      this.reads.issueWaiting()
      if (this.stopped) return
      if (!this.consensus.hasReady()) break
      await this.handleReady(this.consensus.ready())
      await this.maybeSnapshot()
    }
    this.answerWaiting()
    this.ticker.arm()
  }

  private async handleReady(ready: P['ready']): Promise<void> {
    const {log, observer} = this.parts
    const consensus = this.consensus
    const view: ReadyView<P> = consensus.view(ready)
    this.counters.readies++
    // A waiting peer's link holds no other POST until its answer: never make it wait for this fsync.
    if (view.mustSync) this.answerWaiting()
    const early: P['message'][] = []
    const late: P['message'][] = []
    for (const m of view.messages) (consensus.sendsBeforePersist(m) ? early : late).push(m)
    if (early.length > 0) this.send(early)
    // Raft §3.8/Figure 2, Paxos Made Simple §2.2: votes, promises and accepted values are durable before they are acknowledged.
    await consensus.persist(ready)
    observer?.persisted(ready)
    this.counters.entriesPersisted += view.written
    this.send(late)
    this.answerWaiting()
    if (view.snapshot !== undefined) {
      this.machine.restore(view.snapshot.data)
      this.applied = view.snapshot.index
      observer?.restored(view.snapshot)
      log.info('installed snapshot from a peer', {index: view.snapshot.index})
    }
    for (const entry of view.committed) {
      const results = entry.data === '' ? [] : this.machine.codec.decode(entry.data).map((command) => this.machine.apply(command, entry.index))
      this.applied = entry.index
      this.counters.entriesApplied++
      this.counters.writesApplied += results.length
      observer?.applied(entry)
      this.writes.applied(entry.index, consensus.tagOf(entry), results)
    }
    this.reads.onReadStates(view.readStates, this.applied)
    if (view.role !== undefined) this.roleChanged(view.role.role, view.role.leader)
    consensus.advance(ready)
  }

  /** Messages to a peer whose POST waits for its answer go in that answer; the rest through the transport. */
  private send(messages: readonly P['message'][]): void {
    const passing = this.parts.partition.pass(messages)
    if (this.answers.size === 0) return this.parts.transport.send(passing)
    const rest: P['message'][] = []
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

  private roleChanged(role: ReplicaRole, leader: NodeId | null): void {
    const wasLeader = this.role === 'leader'
    this.role = role
    this.leader = leader
    const term = this.consensus.term()
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
    const {options, log} = this.parts
    if (this.applied - this.consensus.storeStats().snapshotIndex < options.snapshotEntries) return
    await this.consensus.compact(this.applied, this.machine.serialize())
    log.info('snapshot taken', {index: this.applied, ...this.machine.summary()})
  }
}
