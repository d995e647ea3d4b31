import {SeededRng, type Rng} from '../../../src/core/common/rng.js'
import {decodeBatch, type KvCommand} from '../../../src/core/kv/commands.js'
import {SimDisk} from '../../../src/runtime/env/sim-disk.js'
import {SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'
import type {KvReplica} from '../../../src/nodes/kv-common/kv-machine.js'
import type {NodeId, Protocol} from '../../../src/nodes/replica/consensus.js'
import {NotLeaderError} from '../../../src/nodes/replica/not-leader-error.js'
import {REPLICA_DEFAULTS, type ReplicaOptions} from '../../../src/nodes/replica/replica-options.js'
import type {ReplicaEnvironment} from '../../../src/nodes/replica/ready-loop.js'
import {CheckedCluster, type ClusterChecker} from './checked-cluster.js'
import {ReadChecker} from './read-checker.js'
import {check, SafetyViolation} from './safety-violation.js'
import {SimNetwork, perfectNetwork, type NetworkFaults} from './sim-network.js'
import {SimReplica, type DurableView, type SimNode} from './sim-replica.js'

/** What a KV simulation needs from one consensus protocol; the clients, faults and checks around it are the same for every protocol. */
export interface KvSimProtocol<P extends Protocol, D> {
  /** The protocol's own settings, drawn first from the seed's generator (Raft's read mode, Paxos's quorums). */
  settings(rng: Rng, nodes: number): Partial<ReplicaOptions>
  /** Opens the production KV replica for one life of a node. */
  open(id: NodeId, dataDir: string, options: ReplicaOptions, environment: ReplicaEnvironment<P>): KvReplica<P>
  /** The peer wire's parser for a group of `ids`, which every message passes. */
  parser(ids: readonly NodeId[]): (body: unknown) => P['message'][]
  readonly durable: DurableView<P, D>
  /** The protocol's safety checks for a cluster with these options. */
  checker(options: ReplicaOptions): ClusterChecker<P, D>
  /** Whether `m` is a follower's acknowledgement of the leader's replication: what may only go out once durable. */
  acknowledges(m: P['message']): boolean
}

export interface SimOptions {
  readonly seed: number
  readonly nodes: number
  /** Scheduler steps (timers: ticks, deliveries, disk I/O, client operations, faults) to run before healing. */
  readonly steps: number
  /** The faults also pause nodes (SIGSTOP), leaders mostly. Off, the seed's generator draws as it did before pauses existed. */
  readonly pauses?: boolean
}

const keys = ['a', 'b', 'c']
/** After healing, a fresh write must commit and reach every node within this much simulated time. */
const LIVENESS_LIMIT_MS = 20_000

export interface SimReport {
  readonly seed: number
  readonly steps: number
  readonly simulatedMs: number
  readonly applied: number
  readonly acknowledgedWrites: number
  readonly completedReads: number
  readonly crashes: number
  readonly pauses: number
  /** Times a replica became leader: each a Raft election or a Paxos phase 1 won. */
  readonly leaders: number
  /** The protocol's own settings the seed drew. */
  readonly settings: Partial<ReplicaOptions>
  readonly faults: NetworkFaults
}

/**
 * A whole replicated KV cluster in one process: N production replicas of one
 * protocol (Raft or Multi-Paxos), each on its own SimEnv and SimDisk, on one
 * SimScheduler and a simulated network, driven by one seed: message
 * loss/duplication/reordering, partitions, crash-restarts that lose unsynced
 * writes, process pauses (when asked), and clients issuing puts, cas and linearizable reads through the
 * replicas' client API (as the KV routes do), all checked as they happen.
 */
export class KvSimCluster<P extends Protocol, D> extends CheckedCluster<P, D, ClusterChecker<P, D>> {
  private readonly scheduler = new SimScheduler()
  private readonly rng: SeededRng
  private readonly nodes = new Map<NodeId, SimReplica<KvReplica<P>, P, D>>()
  private readonly network: SimNetwork<P['message']>
  private readonly reads = new ReadChecker()
  /** Every value written is unique; the index that applied it is its version. */
  private readonly versionOf = new Map<string, number>()
  /** The KV state (serialized) after each index, as the first replica to apply it had it. */
  private readonly stateAt = new Map<number, string>()
  /** The value a client last read or wrote, per key: what its cas expects. */
  private readonly lastSeen = new Map<string, string>()
  private nextOpId = 0
  private acknowledgedWrites = 0
  private crashes = 0
  private pauses = 0
  private leaders = 0
  /** A follower set to crash right after its next acknowledgement to `leader` (onSend). */
  private ackCrash: {leader: NodeId; spare: NodeId} | undefined
  private readonly settings: Partial<ReplicaOptions>
  private readonly faults: NetworkFaults

  constructor(
    private readonly protocol: KvSimProtocol<P, D>,
    private readonly options: SimOptions,
  ) {
    const rng = new SeededRng(options.seed)
    const ids = Array.from({length: options.nodes}, (_, i) => `n${i + 1}`)
    const settings = protocol.settings(rng, options.nodes)
    const replicaOptions: ReplicaOptions = {
      ...REPLICA_DEFAULTS,
      peers: Object.fromEntries(ids.map((id) => [id, `sim://${id}`])),
      electionTicks: 10,
      heartbeatTicks: 1 + rng.int(3),
      ...settings,
      snapshotEntries: 5 + rng.int(40),
      // Small segments, so compaction drops some and recovery reads several.
      walSegmentBytes: 4096,
      requestTimeoutMs: 1_000,
    }
    super(protocol.checker(replicaOptions))
    this.rng = rng
    this.settings = settings
    const maxDelayMs = 2 + this.rng.int(40)
    this.faults = {dropRate: this.rng.next() * 0.15, duplicateRate: this.rng.next() * 0.1, minDelayMs: 1, maxDelayMs}
    this.network = new SimNetwork(this.scheduler, this.rng, this.faults, protocol.parser(ids), (to, messages) => this.deliver(to, messages), (m) => this.onSend(m))
    for (const [i, id] of ids.entries()) {
      const disk = new SimDisk(this.scheduler, options.seed * 31 + i)
      const open = (dataDir: string, environment: ReplicaEnvironment<P>) => protocol.open(id, dataDir, replicaOptions, environment)
      this.nodes.set(id, new SimReplica(id, options.seed * 131 + i, this.scheduler, disk, open, protocol.durable, () => this.network.transport(), this))
    }
    this.every(() => 1 + this.rng.int(20), () => this.clientOperation())
    this.every(() => this.faultDelayMs(), () => this.injectFault())
  }

  /** Runs the faulty phase, then heals everything and checks that a new write commits everywhere. */
  async run(): Promise<SimReport> {
    while (this.scheduler.steps < this.options.steps) {
      if (!(await this.scheduler.step())) throw new Error('sim: nothing left to run')
      this.throwIfFailed()
      if (this.scheduler.steps % 500 === 0) this.safety.checkDurable([...this.nodes.values()])
    }
    this.healAll()
    await this.checkLivenessAfterHeal()
    this.safety.checkDurable([...this.nodes.values()])
    return {
      seed: this.options.seed,
      steps: this.scheduler.steps,
      simulatedMs: this.scheduler.now,
      applied: this.safety.appliedCount(),
      acknowledgedWrites: this.acknowledgedWrites,
      completedReads: this.reads.completedReads,
      crashes: this.crashes,
      pauses: this.pauses,
      leaders: this.leaders,
      settings: this.settings,
      faults: this.faults,
    }
  }

  // ---- ClusterObserver ---------------------------------------------------------

  override onLeader(node: SimNode<P, D>, term: number): void {
    this.leaders++
    super.onLeader(node, term)
  }

  override onApply(node: SimNode<P, D>, entry: P['entry']): void {
    super.onApply(node, entry)
    // Every replica's state after an index is the same, snapshots it restored included: a wrong one shows at its next entry.
    const state = this.nodes.get(node.id)!.replica.machine.serialize()
    const first = this.stateAt.get(entry.index) ?? state
    this.stateAt.set(entry.index, first)
    this.check(() => {
      if (state !== first) throw new SafetyViolation(`${node.id}'s KV state after index ${entry.index} is ${state}, another replica's was ${first}`)
    })
    if (entry.data === '') return
    for (const command of decodeBatch(entry.data)) {
      if (command.op !== 'delete' && !this.versionOf.has(command.value)) this.versionOf.set(command.value, entry.index)
    }
  }

  // ---- clients -------------------------------------------------------------------

  private clientOperation(): void {
    const up = [...this.nodes.values()].filter((n) => n.up)
    if (up.length === 0) return
    // Clients mostly know the leader; the others learn it from the redirect, as an HTTP client follows the 307.
    const leader = up.find((n) => n.role === 'leader')
    const node = leader !== undefined && this.rng.next() < 0.8 ? leader : up[this.rng.int(up.length)]
    const key = keys[this.rng.int(keys.length)]
    const id = `op${this.nextOpId++}`
    const roll = this.rng.next()
    if (roll < 0.4) {
      this.write(node, {op: 'put', key, value: id})
    } else if (roll < 0.55) {
      // Expecting the last value a client saw succeeds often enough; expecting none mostly fails.
      this.write(node, {op: 'cas', key, expected: this.rng.next() < 0.8 ? (this.lastSeen.get(key) ?? null) : null, value: id})
    } else {
      this.reads.readStarted(id, key)
      this.atLeader(node, (replica) => replica.read(() => replica.machine.get(key))).then(
        (value) => {
          if (value !== undefined) this.lastSeen.set(key, value)
          this.check(() => this.reads.readReturned(id, value === undefined ? 0 : (this.versionOf.get(value) ?? -1)))
        },
        () => this.reads.readAbandoned(id),
      )
    }
  }

  private write(node: SimReplica<KvReplica<P>, P, D>, command: KvCommand & {value: string}): void {
    this.atLeader(node, (replica) => replica.write(command)).then(
      (result) => {
        if (result.type !== 'ok') return
        this.lastSeen.set(command.key, command.value)
        // The proposer applied the write before answering, so its version is known (were it not, NaN would turn off the key's stale-read check).
        const version = this.versionOf.get(command.value)
        this.check(() => check(version !== undefined, `write of ${command.value} to ${command.key} acknowledged but applied nowhere`))
        this.reads.writeAcknowledged(command.key, version ?? 0)
        this.acknowledgedWrites++
      },
      () => {},
    )
  }

  /** Calls `op` on `node`, following one redirect to the leader it names. */
  private async atLeader<T>(node: SimReplica<KvReplica<P>, P, D>, op: (replica: KvReplica<P>) => Promise<T>): Promise<T> {
    try {
      return await op(node.replica)
    } catch (err) {
      const leader = err instanceof NotLeaderError ? this.nodes.get(err.leaderId) : undefined
      if (leader === undefined || !leader.up) throw err
      return op(leader.replica)
    }
  }

  // ---- faults --------------------------------------------------------------------

  private deliver(to: NodeId, messages: P['message'][]): Promise<readonly P['message'][]> {
    const node = this.nodes.get(to)!
    return node.up && !node.paused ? node.replica.receiveAndReply(messages) : Promise.resolve([])
  }

  private injectFault(): void {
    const ids = [...this.nodes.keys()]
    const leader = ids.find((id) => this.nodes.get(id)?.role === 'leader')
    if (this.options.pauses === true && this.rng.next() < 0.3) return this.pause(leader !== undefined && this.rng.next() < 0.7 ? leader : ids[this.rng.int(ids.length)])
    const roll = this.rng.next()
    if (roll < 0.2) {
      const side = ids.filter(() => this.rng.next() < 0.5)
      this.network.partition([side, ids.filter((id) => !side.includes(id))])
    } else if (roll < 0.35) {
      // Cutting off the leader is the fault that stale reads and lost writes hide behind.
      const lone = this.rng.next() < 0.7 && leader !== undefined ? leader : ids[this.rng.int(ids.length)]
      this.network.partition([[lone], ids.filter((id) => id !== lone)])
    } else if (roll < 0.6) {
      this.network.heal()
    } else if (roll < 0.8 || leader === undefined || this.ackCrash !== undefined) {
      this.crash(ids[this.rng.int(ids.length)])
    } else {
      // Set up the loss of an acknowledged write, should acknowledgements not wait for the fsync: one
      // follower is cut off, so the leader commits with the others' acknowledgements (see onSend).
      const followers = ids.filter((id) => id !== leader)
      const spare = followers[this.rng.int(followers.length)]
      this.network.partition([[spare], ids.filter((id) => id !== spare)])
      this.ackCrash = {leader, spare}
    }
  }

  /**
   * Armed by injectFault: the first follower to acknowledge replication to
   * the leader (a Raft append, a Paxos accept) crashes right after (losing
   * what it had not synced), and once the acknowledgement has arrived the
   * leader is cut off. The crashed follower and the one cut off before must
   * then elect a leader from what is durable, which holds the entries
   * committed with that acknowledgement only if it was sent after the fsync
   * (Raft thesis §3.8; Paxos Made Simple §2.2).
   */
  private onSend(m: P['message']): void {
    const armed = this.ackCrash
    if (armed === undefined || !this.protocol.acknowledges(m) || m.to !== armed.leader || m.from === armed.spare) return
    this.ackCrash = undefined
    this.scheduler.after(0, () => {
      if (!this.crash(m.from)) return
      this.scheduler.after(this.faults.maxDelayMs + 1, () => this.network.partition([[armed.leader], [...this.nodes.keys()].filter((id) => id !== armed.leader)]))
    })
  }

  /** Crashes `id` and restarts it a little later, unless that would leave too few nodes up; whether it did. */
  private crash(id: NodeId): boolean {
    const victim = this.nodes.get(id)!
    const down = [...this.nodes.values()].filter((n) => !n.up).length
    // Keep a majority up most of the time so the cluster keeps making progress.
    if (!victim.up || down >= Math.floor((this.nodes.size - 1) / 2)) return false
    victim.crash()
    this.crashes++
    this.scheduler.after(50 + this.rng.int(1000), () => victim.restart())
    return true
  }

  /**
   * Pauses `id` for up to three election timeouts. Its ticker drops the lag
   * past the next due tick (CoreTicker), so a leader resumes believing it
   * leads and talks to peers that may have moved to a higher ballot or term.
   * Not for Raft's leaseBased reads, whose stated clock assumption is that
   * no pause outlasts the lease margin.
   */
  private pause(id: NodeId): void {
    const victim = this.nodes.get(id)!
    if (!victim.up || victim.paused) return
    victim.pause()
    this.pauses++
    this.scheduler.after(20 + this.rng.int(300), () => victim.resume())
  }

  private faultDelayMs(): number {
    return 100 + this.rng.int(1500)
  }

  private healAll(): void {
    this.network.heal()
    this.network.faults = perfectNetwork
    for (const node of this.nodes.values()) {
      node.restart()
      node.resume()
    }
  }

  /** Liveness: once healed, a fresh write commits and every node applies it within a bounded time. */
  private async checkLivenessAfterHeal(): Promise<void> {
    let committedAt: number | undefined
    let attempt = 0
    let inFlight = false
    const deadlineMs = this.scheduler.now + LIVENESS_LIMIT_MS
    const done = () => committedAt !== undefined && [...this.nodes.values()].every((n) => n.appliedIndex >= (committedAt as number))
    while (!done()) {
      if (this.scheduler.now > deadlineMs || !(await this.scheduler.step())) {
        throw new SafetyViolation(`liveness: no write committed on every node within ${LIVENESS_LIMIT_MS}ms after healing`)
      }
      this.throwIfFailed()
      const leader = [...this.nodes.values()].find((n) => n.role === 'leader')
      if (committedAt !== undefined || inFlight || leader === undefined) continue
      inFlight = true
      const value = `liveness-${attempt++}`
      leader.replica.write({op: 'put', key: 'liveness', value}).then(
        () => (committedAt = this.versionOf.get(value)),
        () => (inFlight = false),
      )
    }
  }

  // ---- plumbing ------------------------------------------------------------------

  /** Runs `fn` again and again, `delayMs()` apart, on the simulation's clock. */
  private every(delayMs: () => number, fn: () => void): void {
    this.scheduler.after(delayMs(), () => {
      fn()
      this.every(delayMs, fn)
    })
  }
}
