import type {LockAnswer, LockCommand, ReplicatedLockOptions} from '../../core/lock/replicated-lock-table.js'
import type {LockReply, LockState} from '../../core/lock/types.js'
import type {Message} from '../../core/raft/index.js'
import {DeadlineTimer} from '../../runtime/env/deadline-timer.js'
import type {Env, Timer} from '../../runtime/env/env.js'
import {HttpError} from '../../runtime/net/http-error.js'
import type {LockApi, OnAbort} from '../lock-common/lock-routes.js'
import {openRaftReplica, type RaftProtocol} from '../raft-node/raft-consensus.js'
import type {NodeId} from '../replica/consensus.js'
import type {ReplicaOptions} from '../replica/replica-options.js'
import type {ReplicaEnvironment} from '../replica/ready-loop.js'
import type {Replica} from '../replica/replica.js'
import {LockMachine} from './lock-machine.js'

/** A request waiting for the answer an applied entry routes to its requester. */
interface Pending {
  resolve(reply: LockReply): void
  reject(err: Error): void
  /** Bounds the wait: waitMs + requestTimeoutMs, then 503. */
  readonly timer: Timer
}

/** How long a leader waits before proposing deadlines again after a proposal of them failed (no quorum, a full log). */
const DUE_RETRY_MS = 50

/**
 * The lock server's API on a Raft replica. Each client request becomes one
 * log entry carrying `at`, this replica's wall clock read after the request
 * arrived, and a `requester` id unique across the cluster; the answer is
 * whatever applying some entry routes to that requester (the acquire's own
 * entry, or a later release, expire or timeout), on whichever replica holds
 * the request, leader or not. While it leads, the replica proposes the
 * table's due `expire` and `timeout` commands from its own clock: they apply
 * only if their `at` has really passed the deadline (see ReplicatedLockTable).
 */
export class LockReplica implements LockApi {
  readonly raft: Replica<LockCommand, void, LockMachine, RaftProtocol>
  private readonly env: Env
  private readonly pending = new Map<string, Pending>()
  /** Unique to this process's life, so requesters never repeat across restarts. */
  private readonly requesterPrefix: string
  private nextRequester = 1
  private readonly deadlines: DeadlineTimer
  /** Due commands proposed and not yet settled: they stay due until applied, so none is proposed twice meanwhile. */
  private proposingDue = false

  private constructor(
    id: NodeId,
    dataDir: string,
    private readonly options: ReplicaOptions,
    environment: ReplicaEnvironment<RaftProtocol>,
    tableOptions: Partial<ReplicatedLockOptions>,
  ) {
    this.env = environment.env
    this.requesterPrefix = `${id}.${this.env.wallNow().toFixed(0)}.${this.env.rng.int(2 ** 31)}`
    this.deadlines = new DeadlineTimer(this.env, () => this.proposeDue())
    const machine = new LockMachine(() => this.env.wallNow(), (answers) => this.route(answers), tableOptions)
    this.raft = openRaftReplica(id, dataDir, options, environment, machine)
    this.watchRole()
  }

  static open(id: NodeId, dataDir: string, options: ReplicaOptions, environment: ReplicaEnvironment<RaftProtocol>, tableOptions: Partial<ReplicatedLockOptions> = {}): LockReplica {
    return new LockReplica(id, dataDir, options, environment, tableOptions)
  }

  acquire(name: string, owner: string, ttlMs: number, waitMs: number, onAbort: OnAbort): Promise<LockReply> {
    return this.call(waitMs, onAbort, (at, requester) => ({op: 'acquire', at, requester, name, owner, ttlMs, waitMs}))
  }

  renew(name: string, owner: string, token: number, ttlMs: number): Promise<LockReply> {
    return this.call(0, undefined, (at, requester) => ({op: 'renew', at, requester, name, owner, token, ttlMs}))
  }

  release(name: string, owner: string, token: number): Promise<LockReply> {
    return this.call(0, undefined, (at, requester) => ({op: 'release', at, requester, name, owner, token}))
  }

  /** A linearizable read: the lock as of a read point confirmed by a quorum. */
  inspect(name: string): Promise<LockState> {
    return this.raft.read(() => this.raft.machine.table.inspect(name, this.env.wallNow()))
  }

  /** Messages a peer sent back in an answer. */
  receive(messages: readonly Message[]): void {
    this.raft.receive(messages)
  }

  health(): Record<string, unknown> {
    return {...this.raft.health(), pendingRequests: this.pending.size}
  }

  async close(): Promise<void> {
    this.deadlines.stop()
    await this.raft.close()
    for (const requester of [...this.pending.keys()]) this.settle(requester, (p) => p.reject(new HttpError(503, 'the replica is shutting down')))
  }

  /**
   * Proposes the command and waits for its answer. A write that fails is
   * answered at once (a redirect, or 503 when there is no leader or quorum):
   * its entry may still commit, and then its answer finds no one waiting, as
   * when a client gives up; a same-owner retry takes a waiter's place.
   */
  private call(waitMs: number, onAbort: OnAbort | undefined, command: (at: number, requester: string) => LockCommand): Promise<LockReply> {
    const requester = `${this.requesterPrefix}.${this.nextRequester++}`
    const boundMs = waitMs + this.options.requestTimeoutMs
    return new Promise<LockReply>((resolve, reject) => {
      const timer = this.env.setTimer(boundMs, () =>
        this.settle(requester, (p) => p.reject(new HttpError(503, `no answer within ${boundMs}ms (the wait and ${this.options.requestTimeoutMs}ms more); the outcome is unknown`))),
      )
      this.pending.set(requester, {resolve, reject, timer})
      this.raft.write(command(this.env.wallNow(), requester)).catch((err: unknown) => this.settle(requester, (p) => p.reject(err as Error)))
      onAbort?.(() => {
        if (this.settle(requester, () => {})) this.cancel(requester)
      })
    })
  }

  /** Answers the request and forgets it; false when it was answered already. */
  private settle(requester: string, answer: (pending: Pending) => void): boolean {
    const pending = this.pending.get(requester)
    if (pending === undefined) return false
    this.pending.delete(requester)
    pending.timer.cancel()
    answer(pending)
    return true
  }

  /** Called as each entry applies (LockMachine). */
  private route(answers: readonly LockAnswer[]): void {
    for (const {requester, reply} of answers) this.settle(requester, (p) => p.resolve(reply))
    // The entry may have queued a waiter or a lease with a nearer deadline.
    this.armDeadlines()
  }

  /** The client of a waiting acquire went away: its place in line goes. */
  private cancel(requester: string): void {
    // Best effort: a replica that no longer leads cannot propose, and the waiter then leaves the line at its own deadline.
    this.raft.write({op: 'cancel', at: this.env.wallNow(), requester}).catch(() => {})
  }

  private watchRole(): void {
    this.raft.onRoleChange(() => {
      if (this.raft.leading) this.armDeadlines()
      else this.deadlines.stop()
      this.watchRole()
    })
  }

  private armDeadlines(): void {
    if (!this.raft.leading || this.proposingDue) return
    this.deadlines.arm(this.raft.machine.table.nextDeadlineMs(), this.env.wallNow())
  }

  /** The leader proposes the deadlines its clock says have passed; applying them checks that again against their `at`. */
  private proposeDue(): void {
    if (!this.raft.leading || this.proposingDue) return
    const commands = this.raft.machine.table.due(this.env.wallNow())
    if (commands.length === 0) return this.armDeadlines()
    this.proposingDue = true
    void Promise.allSettled(commands.map((command) => this.raft.write(command))).then((outcomes) => {
      this.proposingDue = false
      if (outcomes.every((o) => o.status === 'fulfilled')) return this.armDeadlines()
      if (this.raft.leading) this.deadlines.arm(this.env.wallNow() + DUE_RETRY_MS, this.env.wallNow())
    })
  }
}
