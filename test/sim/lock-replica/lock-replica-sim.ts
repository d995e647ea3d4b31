import type {LockEvent} from '../../../src/core/check/mutual-exclusion.js'
import {SeededRng} from '../../../src/core/common/rng.js'
import {ReplicatedLockTable, type LockCommand} from '../../../src/core/lock/replicated-lock-table.js'
import type {LockReply} from '../../../src/core/lock/types.js'
import type {Entry, Message, NodeId} from '../../../src/core/raft/index.js'
import {SimDisk} from '../../../src/runtime/env/sim-disk.js'
import {SimEnv, SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'
import {sleep} from '../../../src/runtime/env/sleep.js'
import type {OnAbort} from '../../../src/nodes/lock-common/lock-routes.js'
import {LockReplica} from '../../../src/nodes/lock-replica/lock-replica.js'
import {REPLICA_DEFAULTS, type ReplicaOptions} from '../../../src/nodes/replica/replica-options.js'
import {NotLeaderError} from '../../../src/nodes/replica/not-leader-error.js'
import type {RaftProtocol} from '../../../src/nodes/raft-node/raft-consensus.js'
import type {ReplicaEnvironment} from '../../../src/nodes/replica/ready-loop.js'
import {RAFT_WIRE} from '../../../src/nodes/raft-node/raft-wire.js'
import {raftDurableView, SafetyChecker, type RaftDurable, type RaftSimNode} from '../raft/safety-checker.js'
import {CheckedCluster} from '../replica/checked-cluster.js'
import {SafetyViolation} from '../replica/safety-violation.js'
import {perfectNetwork, SimNetwork, type NetworkFaults} from '../replica/sim-network.js'
import {SimReplica} from '../replica/sim-replica.js'

export interface LockReplicaSimOptions {
  seed: number
  nodes: number
  /** Simulated time the clients and faults run for, before everything heals. */
  durationMs: number
  clients: number
  locks: number
}

export interface LockReplicaSimResult {
  /** What the clients saw, for src/core/check's mutual-exclusion checker. */
  history: LockEvent[]
  /** What the committed log broke: grants before the previous lease of their lock had ended in real time. */
  violations: string[]
  counts: Record<
    | 'steps'
    | 'grants'
    | 'renewals'
    | 'releases'
    | 'timeouts'
    | 'refused'
    | 'unknown'
    | 'impatient'
    | 'pausesPastLease'
    | 'crashes'
    | 'partitions'
    | 'leaders'
    | 'committedGrants'
    | 'expiresApplied'
    | 'waitsTimedOut'
    | 'cancelsCommitted'
    | 'superseded'
    | 'snapshotsRestored',
    number
  >
  clockSkewMs: number
}

/** The clients' wall clock reads this at simulated time 0; a node's reads within the skew bound of it. */
const WALL_ORIGIN_MS = 1_700_000_000_000
/** More timers than this at one simulated instant is a loop, not a busy moment. */
const MAX_STEPS_AT_ONE_INSTANT = 10_000
/** After healing, a lock freed by a lease's end must pass to its waiter within this much simulated time. */
const LIVENESS_LIMIT_MS = 10_000

type Answer = {reply: LockReply} | {error: Error}

interface Client {
  readonly owner: string
  /** The replica it believes leads: where its requests go first. */
  leader: NodeId
}

/**
 * Whole replicated-lock clusters in one process: N production LockReplicas
 * (the lock-replica node's service: Raft, WAL, snapshots, the leader's
 * deadline proposals) on SimEnvs and SimDisks, one SimScheduler and the Raft
 * simulation's faulty network, with seeded partitions, leader isolations and
 * crash-restarts that lose unsynced writes. Each node's wall clock runs
 * ahead of or behind the clients' by up to a seeded bound, which the table is
 * told as its clockSkewMs. Clients acquire (some give up while waiting), renew,
 * release and pause past their leases, following redirects as HTTP clients
 * do, and record a history in real (simulated) time.
 *
 * Checked: the Raft safety properties as the run goes (SafetyChecker); that
 * every replica's table equals the committed log's state at each index it
 * applies (restored snapshots included); that no entry grants a lock, in
 * real time, before the previous lease of that lock has ended or been
 * released (every committed grant, heard by its client or not); the
 * clients' history (no overlap, tokens increasing); and after healing, that
 * a lock whose holder stops passes to its waiter.
 */
export class LockReplicaSim extends CheckedCluster<RaftProtocol, RaftDurable, SafetyChecker> {
  private readonly scheduler = new SimScheduler()
  private readonly rng: SeededRng
  /** The clients' side: their clock reads true time. */
  private readonly net: SimEnv
  private readonly nodes = new Map<NodeId, SimReplica<LockReplica, RaftProtocol, RaftDurable>>()
  private readonly network: SimNetwork<Message>
  private readonly faults: NetworkFaults
  private readonly clockSkewMs: number
  /** The committed log replayed once, at the real time its entries first apply anywhere. */
  private readonly shadow: ReplicatedLockTable
  private shadowIndex = 0
  private readonly lockOf = new Map<string, string>()
  private readonly lastGrant = new Map<string, {token: number; expiresAt: number; released: boolean}>()
  /** The shadow's serialized table after each entry: every replica's must match it. */
  private readonly stateAt = new Map<number, string>()
  private readonly history: LockEvent[] = []
  private readonly violations: string[] = []
  private readonly counts: LockReplicaSimResult['counts'] = {
    steps: 0,
    grants: 0,
    renewals: 0,
    releases: 0,
    timeouts: 0,
    refused: 0,
    unknown: 0,
    impatient: 0,
    pausesPastLease: 0,
    crashes: 0,
    partitions: 0,
    leaders: 0,
    committedGrants: 0,
    expiresApplied: 0,
    waitsTimedOut: 0,
    cancelsCommitted: 0,
    superseded: 0,
    snapshotsRestored: 0,
  }

  constructor(private readonly options: LockReplicaSimOptions) {
    super(new SafetyChecker())
    this.rng = new SeededRng(options.seed)
    this.net = new SimEnv(this.scheduler, options.seed * 17 + 1, {wallOffsetMs: WALL_ORIGIN_MS})
    const ids = Array.from({length: options.nodes}, (_, i) => `n${i + 1}`)
    this.clockSkewMs = this.rng.next() < 0.3 ? 0 : this.rng.int(60)
    this.shadow = new ReplicatedLockTable({clockSkewMs: this.clockSkewMs})
    const raftOptions: ReplicaOptions = {
      ...REPLICA_DEFAULTS,
      peers: Object.fromEntries(ids.map((id) => [id, `sim://${id}`])),
      electionTicks: 10,
      heartbeatTicks: 1 + this.rng.int(3),
      // Snapshots often, so restarts and lagging followers restore the serialized table.
      snapshotEntries: 5 + this.rng.int(60),
      walSegmentBytes: 4096,
      requestTimeoutMs: 1_000,
    }
    this.faults = {dropRate: this.rng.next() * 0.1, duplicateRate: this.rng.next() * 0.05, minDelayMs: 1, maxDelayMs: 2 + this.rng.int(20)}
    this.network = new SimNetwork(this.scheduler, this.rng, this.faults, RAFT_WIRE.parse, (to, messages) => this.deliver(to, messages))
    for (const [i, id] of ids.entries()) {
      const disk = new SimDisk(this.scheduler, options.seed * 31 + i)
      const open = (dataDir: string, environment: ReplicaEnvironment<RaftProtocol>) => LockReplica.open(id, dataDir, raftOptions, environment, {clockSkewMs: this.clockSkewMs})
      const wallOffsetMs = WALL_ORIGIN_MS - this.clockSkewMs + this.rng.int(2 * this.clockSkewMs + 1)
      this.nodes.set(id, new SimReplica(id, options.seed * 131 + i, this.scheduler, disk, open, raftDurableView, () => this.network.transport(), this, wallOffsetMs))
    }
  }

  async run(): Promise<LockReplicaSimResult> {
    let running = this.options.clients + 1
    const finished = () => void running--
    this.net.setTimer(0, () => {
      for (let c = 0; c < this.options.clients; c++) void this.client(c).then(finished)
      void this.nemesis().then(finished)
    })
    await this.runWhile(() => running > 0, this.options.durationMs + 60_000)
    await this.checkWaiterGetsFreedLock()
    this.safety.checkDurable([...this.nodes.values()])
    this.counts.steps = this.scheduler.steps
    return {history: this.history, violations: this.violations, counts: this.counts, clockSkewMs: this.clockSkewMs}
  }

  // ---- what the replicas report -------------------------------------------------

  override onLeader(node: RaftSimNode, term: number): void {
    this.counts.leaders++
    super.onLeader(node, term)
  }

  /** A snapshot restored: at a restart (from the disk) or from the leader (InstallSnapshot); the table starts from its serialized state. */
  override onRecovered(node: RaftSimNode): void {
    if (node.appliedIndex > 0) this.counts.snapshotsRestored++
    super.onRecovered(node)
  }

  override onRestore(node: RaftSimNode, index: number): void {
    this.counts.snapshotsRestored++
    super.onRestore(node, index)
  }

  override onApply(node: RaftSimNode, entry: Entry): void {
    super.onApply(node, entry)
    // Entries first apply somewhere in index order (a snapshot only holds what its node applied).
    if (entry.index > this.shadowIndex) {
      this.check(() => {
        if (entry.index !== this.shadowIndex + 1) throw new SafetyViolation(`entry ${entry.index} applied first after entry ${this.shadowIndex}`)
      })
      this.shadowIndex = entry.index
      if (entry.data !== '') this.checkCommitted(JSON.parse(entry.data) as LockCommand, entry.index)
      this.stateAt.set(entry.index, this.shadow.serialize())
    }
    // Every replica's table, whether it applied the whole log or started from a snapshot, is the log's state at that index.
    const table = this.nodes.get(node.id)!.replica.raft.machine.table.serialize()
    this.check(() => {
      if (table !== this.stateAt.get(entry.index)) throw new SafetyViolation(`${node.id}'s lock table after entry ${entry.index} is ${table}, not the log's ${this.stateAt.get(entry.index)}`)
    })
  }

  /**
   * The safety argument, checked on the log itself: a grant first applies
   * (anywhere) at a real time no earlier than the end of the lock's previous
   * lease, as renewed, unless that lease was released. Real time is the
   * clients' clock, against which each lease's expiresAt (read on some
   * node's clock) is judged: what a client holding the lock does.
   */
  private checkCommitted(command: LockCommand, index: number): void {
    if (command.op === 'acquire') this.lockOf.set(command.requester, command.name)
    const now = this.net.wallNow()
    const answers = this.shadow.apply(command, index)
    // What the leader's and the clients' deadline entries did, to show the run reached them.
    if (command.op === 'expire' && answers.length > 0) this.counts.expiresApplied++
    if (command.op === 'timeout' && answers.length > 0) this.counts.waitsTimedOut++
    if (command.op === 'cancel') this.counts.cancelsCommitted++
    this.counts.superseded += answers.filter(({reply}) => reply.type === 'rejected' && reply.reason === 'superseded').length
    // A release or renewal answers after the grant it made way for, but happened before it.
    for (const {reply} of answers) {
      if (command.op !== 'release' && command.op !== 'renew') continue
      const held = this.lastGrant.get(command.name)!
      if (reply.type === 'released') held.released = true
      if (reply.type === 'renewed') held.expiresAt = reply.expiresAt
    }
    for (const {requester, reply} of answers) {
      if (reply.type !== 'granted') continue
      this.counts.committedGrants++
      const name = this.lockOf.get(requester)!
      const before = this.lastGrant.get(name)
      if (before && !before.released && before.expiresAt > now) {
        this.violations.push(`entry ${index} granted "${name}" (token ${reply.token}) at ${this.show(now)}, before token ${before.token}'s lease ended at ${this.show(before.expiresAt)}`)
      }
      if (reply.token !== index) this.violations.push(`entry ${index} granted "${name}" token ${reply.token}`)
      this.lastGrant.set(name, {token: reply.token, expiresAt: reply.expiresAt, released: false})
    }
  }

  // ---- clients -------------------------------------------------------------------

  private async client(id: number): Promise<void> {
    const ids = [...this.nodes.keys()]
    const c: Client = {owner: `client-${id}`, leader: ids[this.rng.int(ids.length)]!}
    const record = (e: Omit<LockEvent, 'process' | 'time'>): LockEvent => {
      const event = {process: id, time: this.net.wallNow(), ...e}
      this.history.push(event)
      return event
    }
    while (this.net.now() < this.options.durationMs) {
      const lock = `lock-${this.rng.int(this.options.locks)}`
      const ttlMs = 50 + this.rng.int(350)
      const waitMs = this.rng.int(800)
      // Now and then a client goes away while it waits: its place in line must go, never be granted to it.
      const impatient = this.rng.next() < 0.1
      if (impatient) this.counts.impatient++
      record({type: 'invoke', f: 'acquire', lock, token: null})
      const acquired = await this.request(c, (r, onAbort) => r.acquire(lock, c.owner, ttlMs, waitMs, onAbort), impatient ? this.rng.int(waitMs + 1) : waitMs + 2_500)
      const reply = acquired && 'reply' in acquired ? acquired.reply : undefined
      if (reply?.type !== 'granted') {
        if (reply?.type === 'timeout') this.counts.timeouts++
        if (reply?.type === 'rejected') this.counts.refused++
        if (reply === undefined) this.counts.unknown++
        // A reply says the acquire failed; an error or silence leaves it unknown (it may commit later).
        record(reply ? {type: 'fail', f: 'acquire', lock, token: null, error: reply.type} : {type: 'info', f: 'acquire', lock, token: null})
      } else {
        this.counts.grants++
        const {token} = reply
        const grant = record({type: 'ok', f: 'acquire', lock, token, expiresAt: reply.expiresAt})
        let held = true
        for (let renewals = this.rng.int(3); held && renewals > 0; renewals--) {
          await this.hold(ttlMs)
          const renewed = await this.request(c, (r) => r.renew(lock, c.owner, token, ttlMs), 1_500)
          if (renewed && 'reply' in renewed && renewed.reply.type === 'renewed') {
            this.counts.renewals++
            // The client's lease now ends later: the checker holds it to that.
            grant.expiresAt = renewed.reply.expiresAt
          } else held = false
        }
        await this.hold(ttlMs)
        record({type: 'invoke', f: 'release', lock, token})
        const released = await this.request(c, (r) => r.release(lock, c.owner, token), 1_500)
        const releaseReply = released && 'reply' in released ? released.reply : undefined
        if (releaseReply?.type === 'released') this.counts.releases++
        record(releaseReply ? {type: releaseReply.type === 'released' ? 'ok' : 'fail', f: 'release', lock, token} : {type: 'info', f: 'release', lock, token})
      }
      await sleep(this.net, this.rng.int(50))
    }
  }

  /** Works with the lock for a while; now and then pauses past its lease (a GC pause, a stalled VM). */
  private hold(ttlMs: number): Promise<void> {
    if (this.rng.next() < 0.1) {
      this.counts.pausesPastLease++
      return sleep(this.net, ttlMs + this.rng.int(2 * ttlMs))
    }
    return sleep(this.net, this.rng.int(ttlMs / 2))
  }

  /**
   * One request as an HTTP client makes it: over a network delay to the
   * replica the client believes leads, following up to three redirects;
   * lost when that replica is down. Resolves with the answer, or undefined
   * when none came within `timeoutMs`, and then the connection drops (the
   * replica hears the abort).
   */
  private request(c: Client, op: (replica: LockReplica, onAbort: OnAbort) => Promise<LockReply>, timeoutMs: number): Promise<Answer | undefined> {
    return new Promise((resolve) => {
      let done = false
      const aborts: Array<() => void> = []
      const finish = (answer: Answer | undefined) => {
        if (done) return
        done = true
        giveUp.cancel()
        resolve(answer)
      }
      const giveUp = this.net.setTimer(timeoutMs, () => {
        for (const abort of aborts) abort()
        // The client tries elsewhere next time.
        const ids = [...this.nodes.keys()]
        c.leader = ids[this.rng.int(ids.length)]!
        finish(undefined)
      })
      const attempt = (target: NodeId, hops: number) =>
        this.net.setTimer(this.delayMs(), () => {
          const node = this.nodes.get(target)!
          if (done || !node.up) return
          const replica = node.replica
          // Only the life of the replica that took the request hears its client go.
          const onAbort: OnAbort = (listener) => aborts.push(() => node.up && node.replica === replica && listener())
          op(replica, onAbort).then(
            (reply) => this.net.setTimer(this.delayMs(), () => finish({reply})),
            (error: Error) => {
              if (error instanceof NotLeaderError && hops < 3) {
                c.leader = error.leaderId
                this.net.setTimer(this.delayMs(), () => attempt(error.leaderId, hops + 1))
              } else this.net.setTimer(this.delayMs(), () => finish({error}))
            },
          )
        })
      attempt(c.leader, 0)
    })
  }

  /** A client-to-replica delay: mostly short, now and then long enough to reorder. */
  private delayMs(): number {
    return this.rng.next() < 0.9 ? 0.05 + this.rng.next() : 1 + this.rng.int(20)
  }

  // ---- faults --------------------------------------------------------------------

  private async nemesis(): Promise<void> {
    while (this.net.now() < this.options.durationMs) {
      await sleep(this.net, 100 + this.rng.int(1_200))
      const ids = [...this.nodes.keys()]
      const leader = ids.find((id) => this.nodes.get(id)!.role === 'leader')
      const roll = this.rng.next()
      if (roll < 0.2) {
        const side = ids.filter(() => this.rng.next() < 0.5)
        this.network.partition([side, ids.filter((id) => !side.includes(id))])
        this.counts.partitions++
      } else if (roll < 0.4) {
        // Cutting off the leader forces a leader change while it still believes it leads.
        const lone = leader !== undefined && this.rng.next() < 0.8 ? leader : ids[this.rng.int(ids.length)]!
        this.network.partition([[lone], ids.filter((id) => id !== lone)])
        this.counts.partitions++
      } else if (roll < 0.65) {
        this.network.heal()
      } else {
        this.crash(leader !== undefined && this.rng.next() < 0.5 ? leader : ids[this.rng.int(ids.length)]!)
      }
    }
    this.healAll()
  }

  /** Crashes `id` (losing its unsynced writes) and restarts it a little later, keeping a majority up. */
  private crash(id: NodeId): void {
    const victim = this.nodes.get(id)!
    const down = [...this.nodes.values()].filter((n) => !n.up).length
    if (!victim.up || down >= Math.floor((this.nodes.size - 1) / 2)) return
    victim.crash()
    this.counts.crashes++
    this.scheduler.after(50 + this.rng.int(800), () => victim.restart())
  }

  private healAll(): void {
    this.network.heal()
    this.network.faults = perfectNetwork
    for (const node of this.nodes.values()) node.restart()
  }

  /** Liveness once healed: a holder that stops renewing loses the lock at its lease's end, to the client waiting for it. */
  private async checkWaiterGetsFreedLock(): Promise<void> {
    const leader = [...this.nodes.keys()][0]!
    /** Asks until a reply comes (a request can meet an election and fail): the waiter's retries take its own place in line. */
    const acquire = async (owner: string, waitMs: number): Promise<LockReply> => {
      const c: Client = {owner, leader}
      for (;;) {
        const answer = await this.request(c, (r, onAbort) => r.acquire('liveness', owner, 200, waitMs, onAbort), waitMs + 2_500)
        if (answer && 'reply' in answer) return answer.reply
        await sleep(this.net, 50)
      }
    }
    let waiter: LockReply | undefined
    // The holder's grant, or 'already-held' when a retry follows a grant whose answer was lost: either way it holds the lock.
    void acquire('liveness-holder', 0).then(async () => (waiter = await acquire('liveness-waiter', 5_000)))
    await this.runWhile(() => waiter === undefined, LIVENESS_LIMIT_MS)
    if (waiter?.type !== 'granted') throw new SafetyViolation(`liveness: after healing, the client waiting for a lock whose holder stopped got ${JSON.stringify(waiter)}`)
  }

  // ---- plumbing ------------------------------------------------------------------

  /**
   * Steps the simulation while `pending()`, for at most `limitMs` of
   * simulated time, throwing the first failure; and throws when time stops
   * moving, as it does when a timer keeps re-arming itself at once (a node
   * spinning on a deadline it never settles).
   */
  private async runWhile(pending: () => boolean, limitMs: number): Promise<void> {
    const deadlineMs = this.scheduler.now + limitMs
    let stalledSteps = 0
    while (pending()) {
      const before = this.scheduler.now
      if (!(await this.scheduler.step())) throw new Error('sim: nothing left to run')
      this.throwIfFailed()
      if (this.scheduler.now > deadlineMs) throw new SafetyViolation(`sim: still running after ${limitMs} ms of simulated time`)
      stalledSteps = this.scheduler.now === before ? stalledSteps + 1 : 0
      if (stalledSteps > MAX_STEPS_AT_ONE_INSTANT) throw new SafetyViolation(`sim: ${stalledSteps} steps at ${this.scheduler.now.toFixed(3)} ms without time moving (a timer loop)`)
    }
  }

  private deliver(to: NodeId, messages: Message[]): Promise<readonly Message[]> {
    const node = this.nodes.get(to)!
    return node.up ? node.replica.raft.receiveAndReply(messages) : Promise.resolve([])
  }

  private show(wallMs: number): string {
    return `${(wallMs - WALL_ORIGIN_MS).toFixed(2)} ms`
  }
}
