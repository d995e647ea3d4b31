import {MinHeap} from '../../../src/core/common/min-heap.js'
import {SeededRng} from '../../../src/core/common/rng.js'
import {Coordinator, type CoordinatorReady} from '../../../src/core/txn/coordinator.js'
import {failpointNames, type FailpointName} from '../../../src/core/txn/failpoints.js'
import {Participant, type ParticipantReady} from '../../../src/core/txn/participant.js'
import type {CoordinatorLogRecord, Message, NodeId, Outcome, ParticipantLogRecord, TxnId, Write} from '../../../src/core/txn/types.js'
import {parseMessages} from '../../../src/nodes/txn-common/wire.js'
import type {ParticipantNodeCheckpoint} from '../../../src/nodes/txn-participant/participant-service.js'

/**
 * A whole 2PC cluster in one process on a simulated clock and network, from a
 * seed: a bank (accounts spread over the participants) where every
 * transaction moves money between accounts under conditions on their current
 * balances. The network loses, duplicates and reorders messages; nodes crash
 * at every named failpoint and at random moments, losing the log records
 * they had not synced, and restart from their latest checkpoint and the
 * records after it; then the faults stop and the cluster must settle.
 */
export interface SimulationOptions {
  seed: number
  participants: number
  accounts: number
  /** Simulated time with faults; then no new transactions, no faults, until everything settles. */
  chaosMs: number
  /** Mean gap between transactions begun. */
  beginEveryMs: number
  /** Mean gap between audits: read every account (ReadRequest, with a lock wait) and check the total. */
  auditEveryMs: number
  lossRate: number
  duplicateRate: number
  maxDelayMs: number
  /** Chance per simulated millisecond of arming a failpoint, and of crashing a node outright. */
  armRatePerMs: number
  crashRatePerMs: number
  /** Chance per simulated millisecond of checkpointing a node (ReadyLog.checkpoint). */
  checkpointRatePerMs: number
}

export const defaultSimulation: Omit<SimulationOptions, 'seed'> = {
  participants: 3,
  accounts: 12,
  chaosMs: 8_000,
  beginEveryMs: 6,
  auditEveryMs: 150,
  lossRate: 0.05,
  duplicateRate: 0.05,
  maxDelayMs: 20,
  armRatePerMs: 0.004,
  crashRatePerMs: 0.0005,
  checkpointRatePerMs: 0.01,
}

export interface SimulationReport {
  violations: string[]
  begun: number
  clientCommitted: number
  clientAborted: number
  /** Audits answered committed (each checked: its values sum to the money put in). */
  auditsCommitted: number
  failpointsFired: Record<FailpointName, number>
  crashes: number
  /** Restarts that began from a checkpoint (with a checkpointed commit still to re-drive, or a checkpointed participant in doubt). */
  restartsFromCheckpoint: {any: number; withObligations: number}
  settledAtMs: number | undefined
}

const initialBalance = 100
const settleLimitMs = 120_000
const coordinatorId = 'c'

/**
 * An append-only log: an fsync makes every earlier record durable; a crash
 * keeps only a prefix of the rest. `records()` is the whole history (for the
 * checkers); a restarted node reads only `recovery()`.
 */
class SimulatedLog<R, C> {
  private synced: R[] = []
  private unsynced: R[] = []
  private checkpointed: {state: C; index: number} | undefined

  /** The node's state after every record so far; written once they are synced, as ReadyLog does, and serialized as it does. */
  checkpoint(state: C): void {
    this.sync()
    this.checkpointed = {state: JSON.parse(JSON.stringify(state)) as C, index: this.synced.length}
  }

  /** What a restarted node reads: the latest checkpoint and the records after it. */
  recovery(): {checkpoint: C | undefined; records: R[]} {
    return {checkpoint: this.checkpointed?.state, records: this.records().slice(this.checkpointed?.index ?? 0)}
  }

  append(records: readonly R[], mustSync: boolean): void {
    this.unsynced.push(...records)
    if (mustSync) this.sync()
  }

  sync(): void {
    this.synced.push(...this.unsynced)
    this.unsynced = []
  }

  crash(rng: SeededRng): void {
    this.synced.push(...this.unsynced.slice(0, rng.int(this.unsynced.length + 1)))
    this.unsynced = []
  }

  records(): R[] {
    return [...this.synced, ...this.unsynced]
  }
}

interface SimNode<Core, R, C> {
  id: NodeId
  core: Core | undefined
  log: SimulatedLog<R, C>
  restartAtMs: number
}

type CoordinatorNode = SimNode<Coordinator, CoordinatorLogRecord, CoordinatorLogRecord[]>
type ParticipantNode = SimNode<Participant, ParticipantLogRecord, ParticipantNodeCheckpoint> & {kv: Map<string, string>}

export function runSimulation(options: SimulationOptions): SimulationReport {
  return new Simulation(options).run()
}

class Simulation {
  private readonly rng: SeededRng
  /** Timeouts drawn per seed, so that runs cover both orders of phase-1 timeout and first outcome query. */
  private readonly prepareTimeoutMs: number
  private readonly queryAfterMs: number
  private nowMs = 0
  private readonly network = new MinHeap<Message>()
  private readonly coordinator: CoordinatorNode
  private readonly participants = new Map<NodeId, ParticipantNode>()
  private readonly accounts: string[] = []
  private readonly involved = new Map<TxnId, NodeId[]>()
  private readonly audits = new Set<TxnId>()
  private auditsCommitted = 0
  private readonly clientOutcomes = new Map<TxnId, Outcome>()
  private readonly violations: string[] = []
  private readonly failpointsFired = Object.fromEntries(failpointNames.map((name) => [name, 0])) as Record<FailpointName, number>
  private crashes = 0
  private readonly restartsFromCheckpoint = {any: 0, withObligations: 0}
  private nextTxn = 0
  private faults = true

  constructor(private readonly options: SimulationOptions) {
    this.rng = new SeededRng(options.seed)
    this.prepareTimeoutMs = 100 + this.rng.int(900)
    this.queryAfterMs = 50 + this.rng.int(550)
    for (let i = 0; i < options.participants; i++) {
      const id = `p${i}`
      this.participants.set(id, {id, core: undefined, log: new SimulatedLog(), restartAtMs: 0, kv: new Map()})
    }
    for (let i = 0; i < options.accounts; i++) this.accounts.push(`acct${i}`)
    this.coordinator = {id: coordinatorId, core: undefined, log: new SimulatedLog(), restartAtMs: 0}
    this.startCoordinator()
    for (const node of this.participants.values()) this.startParticipant(node)
  }

  run(): SimulationReport {
    let settledAtMs: number | undefined
    for (; this.nowMs < this.options.chaosMs + settleLimitMs; this.nowMs++) {
      if (this.nowMs === this.options.chaosMs) this.faults = false
      this.restartDueNodes()
      this.deliverDueMessages()
      this.tickNodes()
      if (this.faults) this.injectFaults()
      if (this.faults && this.rng.next() < 1 / this.options.beginEveryMs) this.beginTransfer()
      if (this.faults && this.rng.next() < 1 / this.options.auditEveryMs) this.beginAudit()
      if (!this.faults && this.settled()) {
        settledAtMs = this.nowMs
        break
      }
    }
    if (settledAtMs === undefined) this.violations.push(`did not settle within ${settleLimitMs} ms after the faults stopped: ${this.unsettled()}`)
    this.checkAtomicity()
    this.checkBalances()
    const outcomes = [...this.clientOutcomes.values()]
    return {
      violations: this.violations,
      begun: this.nextTxn,
      clientCommitted: outcomes.filter((o) => o === 'committed').length,
      clientAborted: outcomes.filter((o) => o === 'aborted').length,
      auditsCommitted: this.auditsCommitted,
      failpointsFired: this.failpointsFired,
      crashes: this.crashes,
      restartsFromCheckpoint: this.restartsFromCheckpoint,
      settledAtMs,
    }
  }

  // --- nodes -------------------------------------------------------------

  private startCoordinator(): void {
    const config = {
      id: coordinatorId,
      ownerOf: (key: string) => this.ownerOf(key),
      rng: new SeededRng(this.rng.int(2 ** 31)),
      prepareTimeoutMs: this.prepareTimeoutMs,
      retry: {initialMs: 20, maxMs: 300},
    }
    const {checkpoint, records} = this.coordinator.log.recovery()
    this.countRestart(checkpoint, (checkpoint?.length ?? 0) > 0)
    this.coordinator.core = Coordinator.recover(config, [...(checkpoint ?? []), ...records], this.nowMs)
    this.drainCoordinator()
  }

  private startParticipant(node: ParticipantNode): void {
    const {checkpoint, records} = node.log.recovery()
    this.countRestart(checkpoint, (checkpoint?.core.inDoubt.length ?? 0) > 0)
    node.kv = replayCommits(checkpoint ? new Map(checkpoint.table) : this.initialTable(node.id), records)
    const kv = node.kv
    const config = {
      id: node.id,
      readCommitted: (key: string) => kv.get(key),
      rng: new SeededRng(this.rng.int(2 ** 31)),
      queryAfterMs: this.queryAfterMs,
      queryRetry: {initialMs: 50, maxMs: 400},
      decidedMemory: 10_000,
    }
    node.core = Participant.recover(config, records, this.nowMs, checkpoint?.core)
    this.drainParticipant(node)
  }

  private countRestart(checkpoint: unknown, withObligations: boolean): void {
    if (checkpoint === undefined) return
    this.restartsFromCheckpoint.any++
    if (withObligations) this.restartsFromCheckpoint.withObligations++
  }

  /** The node's loop: persist (fsync when asked) → send → answer; or crash where a failpoint says. */
  private drainCoordinator(): void {
    // A failed send can make more output (an abort), so loop until the core has nothing more to say.
    for (let core = this.coordinator.core; core; core = this.coordinator.core) {
      const ready: CoordinatorReady = core.ready()
      if (ready.send.length + ready.persist.length + ready.results.length === 0 && !ready.crash) return
      this.coordinator.log.append(ready.persist, ready.mustSync)
      for (const m of ready.send) this.send(m)
      if (ready.crash) return this.crash(this.coordinator, ready.crash)
      for (const result of ready.results) {
        this.clientOutcomes.set(result.txn, result.outcome)
        if (result.outcome === 'committed' && this.audits.has(result.txn)) this.checkAudit(result.txn, result.values ?? [])
      }
    }
  }

  private drainParticipant(node: ParticipantNode): void {
    const ready: ParticipantReady | undefined = node.core?.ready()
    if (!ready) return
    node.log.append(ready.persist, ready.mustSync)
    // The readCommitted contract: a Ready's committed writes are visible before the next input.
    for (const record of ready.persist) if (record.type === 'commit') for (const w of record.writes) node.kv.set(w.key, w.value)
    for (const m of ready.send) this.send(m)
    if (ready.crash) this.crash(node, ready.crash)
  }

  private crash(node: CoordinatorNode | ParticipantNode, failpoint?: FailpointName): void {
    if (failpoint) this.failpointsFired[failpoint]++
    this.crashes++
    node.core = undefined
    node.log.crash(this.rng)
    // Mostly quick restarts; some long outages, so that in-doubt participants must keep asking.
    node.restartAtMs = this.nowMs + 20 + this.rng.int(this.rng.next() < 0.2 ? 3_000 : 400)
  }

  private restartDueNodes(): void {
    if (!this.coordinator.core && this.coordinator.restartAtMs <= this.nowMs) this.startCoordinator()
    for (const node of this.participants.values()) if (!node.core && node.restartAtMs <= this.nowMs) this.startParticipant(node)
  }

  private tickNodes(): void {
    const c = this.coordinator.core
    if (c && (c.nextWakeMs() ?? Infinity) <= this.nowMs) {
      c.tick(this.nowMs)
      this.drainCoordinator()
    }
    for (const node of this.participants.values()) {
      const p = node.core
      if (p && (p.nextWakeMs() ?? Infinity) <= this.nowMs) {
        p.tick(this.nowMs)
        this.drainParticipant(node)
      }
    }
  }

  // --- network and faults ------------------------------------------------

  private send(m: Message): void {
    if (m.from === coordinatorId && !this.participants.get(m.to)?.core && this.rng.next() < 0.5) {
      // Connection refused: the coordinator's node learns at once that this send failed.
      this.coordinator.core?.undeliverable(m, this.nowMs)
      return
    }
    const copies = this.faults && this.rng.next() < this.options.duplicateRate ? 2 : 1
    for (let i = 0; i < copies; i++) {
      if (this.faults && this.rng.next() < this.options.lossRate) continue
      this.network.push(this.nowMs + 1 + this.rng.int(this.options.maxDelayMs), m)
    }
  }

  private deliverDueMessages(): void {
    while ((this.network.peekKey() ?? Infinity) <= this.nowMs) {
      // Through the real wire format and its parser: a message a core sends that a node would refuse fails the run.
      const [m] = parseMessages(JSON.parse(JSON.stringify({messages: [this.network.pop()!]})))
      if (m.to === coordinatorId) {
        this.coordinator.core?.step(m, this.nowMs)
        this.drainCoordinator()
        continue
      }
      const node = this.participants.get(m.to)!
      node.core?.step(m, this.nowMs)
      this.drainParticipant(node)
    }
  }

  private injectFaults(): void {
    if (this.rng.next() < this.options.armRatePerMs) {
      const failpoint = failpointNames[this.rng.int(failpointNames.length)]
      const nodes = failpoint.startsWith('coordinator.') ? [this.coordinator] : [...this.participants.values()]
      nodes[this.rng.int(nodes.length)].core?.arm(failpoint)
    }
    if (this.rng.next() < this.options.crashRatePerMs) {
      const nodes = [this.coordinator, ...this.participants.values()]
      const node = nodes[this.rng.int(nodes.length)]
      if (node.core) this.crash(node)
    }
    // A node's background flush makes its non-forced records durable now and then.
    if (this.rng.next() < 0.01) this.coordinator.log.sync()
    if (this.rng.next() < this.options.checkpointRatePerMs) this.checkpointSomeNode()
  }

  /** Between inputs, as the CoreDriver does. */
  private checkpointSomeNode(): void {
    const pick = this.rng.int(this.participants.size + 1)
    if (pick === this.participants.size) {
      if (this.coordinator.core) this.coordinator.log.checkpoint(this.coordinator.core.checkpoint())
      return
    }
    const p = [...this.participants.values()][pick]
    if (p.core) p.log.checkpoint({table: [...p.kv], core: p.core.checkpoint()})
  }

  // --- the workload ------------------------------------------------------

  /** Moves money from one account to one or two others, on condition that no balance changed since it was read. */
  private beginTransfer(): void {
    const c = this.coordinator.core
    if (!c) return
    const picked = new Set<string>()
    const size = 2 + this.rng.int(2)
    while (picked.size < size) picked.add(this.accounts[this.rng.int(this.accounts.length)])
    const keys = [...picked]
    const owners = keys.map((key) => this.participants.get(this.ownerOf(key))!)
    // The client reads the balances it conditions on through their owners (committed data); a down owner fails the read.
    if (owners.some((owner) => !owner.core)) return
    const balances = keys.map((key, i) => owners[i].kv.get(key)!)
    const amount = 1 + this.rng.int(10)
    const gains = size === 2 ? [amount] : [Math.floor(amount / 2), amount - Math.floor(amount / 2)]
    const writes: Write[] = keys.map((key, i) => ({key, value: String(Number(balances[i]) + (i === 0 ? -amount : gains[i - 1]))}))
    const txn = `t${this.nextTxn++}`
    this.involved.set(txn, [...new Set(keys.map((key) => this.ownerOf(key)))])
    c.begin(txn, writes, keys.map((key, i) => ({key, value: balances[i]})), this.nowMs)
    this.drainCoordinator()
  }

  /** Reads every account in one transaction; a marker write, because a transaction needs one. */
  private beginAudit(): void {
    const c = this.coordinator.core
    if (!c) return
    const txn = `a${this.nextTxn++}`
    const marker = `audit-${txn}`
    this.audits.add(txn)
    this.involved.set(txn, [...new Set([marker, ...this.accounts].map((key) => this.ownerOf(key)))])
    c.begin(txn, [{key: marker, value: 'ok'}], [], this.nowMs, {reads: this.accounts, lockWaitMs: 10 + this.rng.int(60)})
    this.drainCoordinator()
  }

  /** A committed audit saw one consistent state: every account, summing to the money put in. */
  private checkAudit(txn: TxnId, values: ReadonlyArray<{key: string; value: string | null}>): void {
    this.auditsCommitted++
    const sum = values.reduce((total, v) => total + Number(v.value), 0)
    const expected = initialBalance * this.options.accounts
    if (values.length !== this.accounts.length || sum !== expected) this.violations.push(`audit ${txn} read ${values.length} accounts summing to ${sum}, expected ${expected}`)
  }

  /** By the number a key ends with: `acct7`, and an audit's marker `audit-a12`. */
  private ownerOf(key: string): NodeId {
    return `p${Number(/\d+$/.exec(key)![0]) % this.options.participants}`
  }

  // --- checks ------------------------------------------------------------

  private settled(): boolean {
    return this.unsettled() === ''
  }

  private unsettled(): string {
    const problems: string[] = []
    if (!this.coordinator.core) problems.push('coordinator down')
    else if (this.coordinator.core.activeTxnCount > 0) problems.push(`coordinator has ${this.coordinator.core.activeTxnCount} active txns`)
    for (const node of this.participants.values()) {
      if (!node.core) problems.push(`${node.id} down`)
      else if (node.core.inDoubt().length > 0 || node.core.lockedKeyCount > 0) {
        problems.push(`${node.id} in doubt: ${node.core.inDoubt().map((t) => t.txn).join(',')}; ${node.core.lockedKeyCount} keys locked`)
      }
    }
    if (this.network.size > 0) problems.push(`${this.network.size} messages in flight`)
    return problems.join('; ')
  }

  /** All or nothing: committed on every participant of the transaction, or on none; client commits everywhere. */
  private checkAtomicity(): void {
    const decided = new Set(this.coordinator.log.records().flatMap((r) => (r.type === 'commit' ? [r.txn] : [])))
    const committedOn = new Map<TxnId, Set<NodeId>>()
    for (const node of this.participants.values()) {
      for (const record of node.log.records()) {
        if (record.type !== 'commit') continue
        if (!committedOn.has(record.txn)) committedOn.set(record.txn, new Set())
        committedOn.get(record.txn)!.add(node.id)
      }
    }
    for (const [txn, participants] of this.involved) {
      const on = committedOn.get(txn) ?? new Set()
      if (on.size > 0 && on.size < participants.length) this.violations.push(`${txn} committed on ${[...on].join(',')} but not all of ${participants.join(',')}`)
      if (on.size > 0 && !decided.has(txn)) this.violations.push(`${txn} committed on ${[...on].join(',')} with no COMMIT decision logged`)
      const client = this.clientOutcomes.get(txn)
      if (client === 'committed' && on.size < participants.length) this.violations.push(`${txn} answered committed but committed only on [${[...on].join(',')}]`)
      if (client === 'aborted' && on.size > 0) this.violations.push(`${txn} answered aborted but committed on ${[...on].join(',')}`)
    }
  }

  /** The accounts `participant` owns, at their initial balances. */
  private initialTable(participant: NodeId): Map<string, string> {
    return new Map(this.accounts.filter((a) => this.ownerOf(a) === participant).map((a) => [a, String(initialBalance)]))
  }

  /** Money is neither made nor lost, and each participant's table equals the replay of its log. */
  private checkBalances(): void {
    let total = 0
    for (const node of this.participants.values()) {
      const replayed = replayCommits(this.initialTable(node.id), node.log.records())
      for (const [key, value] of replayed) {
        if (!this.accounts.includes(key)) continue
        total += Number(value)
        if (node.kv.get(key) !== value) this.violations.push(`${node.id} serves ${key}=${node.kv.get(key)} but its log says ${value}`)
      }
    }
    const expected = initialBalance * this.options.accounts
    if (total !== expected) this.violations.push(`balances sum to ${total}, expected ${expected}`)
  }
}

/** A participant's committed table: `kv`, then every COMMIT record's writes in log order. */
function replayCommits(kv: Map<string, string>, records: readonly ParticipantLogRecord[]): Map<string, string> {
  for (const record of records) if (record.type === 'commit') for (const w of record.writes) kv.set(w.key, w.value)
  return kv
}
