import {SeededRng} from '../../../src/core/common/rng.js'
import type {Entry, Message, NodeId, ReadOnlyOption, ReadState, SoftState} from '../../../src/core/raft/index.js'
import {parseRaftMessages} from '../../../src/nodes/raft-node/raft-wire.js'
import {EventQueue} from './event-queue.js'
import type {PutCommand} from './kv-state-machine.js'
import {ReadChecker} from './read-checker.js'
import {SafetyChecker, SafetyViolation} from './safety-checker.js'
import {SimNetwork, perfectNetwork, type NetworkFaults} from './sim-network.js'
import {SimNode, type NodeObserver} from './sim-node.js'

export interface SimOptions {
  readonly seed: number
  readonly nodes: number
  /** Events (ticks, deliveries, client operations, faults) to run before healing. */
  readonly steps: number
}

const tickMs = 10
const keys = ['a', 'b', 'c']

type SimEvent =
  | {readonly kind: 'tick'; readonly node: NodeId}
  | {readonly kind: 'deliver'; readonly message: Message}
  | {readonly kind: 'client'}
  | {readonly kind: 'fault'}
  | {readonly kind: 'restart'; readonly node: NodeId}

interface PendingWrite {
  readonly term: number
  readonly key: string
}

interface PendingRead {
  readonly key: string
  /** Known once the node's ReadState arrives. */
  index?: number
}

export interface SimReport {
  readonly seed: number
  readonly steps: number
  readonly simulatedMs: number
  readonly applied: number
  readonly acknowledgedWrites: number
  readonly completedReads: number
  readonly crashes: number
  readonly readOnly: ReadOnlyOption
  readonly faults: NetworkFaults
}

/**
 * A whole Raft cluster in one process on a simulated clock and network,
 * driven by one seed: ticks, message loss/duplication/reordering, partitions,
 * crash-restarts that lose unsynced writes, and a KV client workload of
 * writes and ReadIndex reads, all checked as they happen.
 */
export class SimCluster implements NodeObserver {
  private readonly rng: SeededRng
  private readonly nodes = new Map<NodeId, SimNode>()
  private readonly network: SimNetwork
  private readonly queue = new EventQueue<SimEvent>()
  private readonly safety = new SafetyChecker()
  private readonly reads = new ReadChecker()
  private readonly pendingWrites = new Map<NodeId, Map<number, PendingWrite>>()
  private readonly pendingReads = new Map<NodeId, Map<string, PendingRead>>()
  private nowMs = 0
  private nextOpId = 0
  private acknowledgedWrites = 0
  private crashes = 0
  private readonly readOnly: ReadOnlyOption
  private readonly faults: NetworkFaults

  constructor(private readonly options: SimOptions) {
    this.rng = new SeededRng(options.seed)
    const ids = Array.from({length: options.nodes}, (_, i) => `n${i + 1}`)
    this.readOnly = this.rng.next() < 0.3 ? 'leaseBased' : 'safe'
    const nodeOptions = {
      electionTicks: 10,
      heartbeatTicks: 1 + this.rng.int(3),
      readOnly: this.readOnly,
      maxEntriesPerMsg: 1 + this.rng.int(8),
      maxInflightMsgs: 1 + this.rng.int(8),
      maxAppendBytes: 64 + this.rng.int(512),
      compactEveryEntries: 5 + this.rng.int(40),
    }
    for (const id of ids) this.nodes.set(id, new SimNode(id, ids, this.rng, nodeOptions))
    const maxDelayMs = 2 + this.rng.int(40)
    this.faults = {dropRate: this.rng.next() * 0.15, duplicateRate: this.rng.next() * 0.1, minDelayMs: 1, maxDelayMs}
    this.network = new SimNetwork(this.rng, this.faults)
    for (const id of ids) this.queue.push(this.rng.int(tickMs), {kind: 'tick', node: id})
    this.queue.push(0, {kind: 'client'})
    this.queue.push(this.faultDelayMs(), {kind: 'fault'})
  }

  /** Runs the faulty phase, then heals everything and checks that a new write commits everywhere. */
  run(): SimReport {
    for (let step = 0; step < this.options.steps; step++) {
      this.runOne()
      if (step % 500 === 0) this.safety.checkLogMatching([...this.nodes.values()])
    }
    this.healAll()
    this.checkLivenessAfterHeal()
    this.safety.checkLogMatching([...this.nodes.values()])
    return {
      seed: this.options.seed,
      steps: this.options.steps,
      simulatedMs: this.nowMs,
      applied: this.safety.appliedCount(),
      acknowledgedWrites: this.acknowledgedWrites,
      completedReads: this.reads.completedReads,
      crashes: this.crashes,
      readOnly: this.readOnly,
      faults: this.faults,
    }
  }

  // ---- NodeObserver ------------------------------------------------------------

  onSoftState(node: SimNode, softState: SoftState): void {
    this.safety.onSoftState(node, softState)
  }

  onApply(node: SimNode, entry: Entry): void {
    this.safety.onApply(node, entry)
    const pending = this.pendingWrites.get(node.id)?.get(entry.index)
    if (pending !== undefined) {
      this.pendingWrites.get(node.id)?.delete(entry.index)
      // The proposer applied its own entry: the client hears "ok". A different
      // term at that index means the proposal was overwritten: outcome unknown.
      if (pending.term === entry.term) {
        this.reads.writeAcknowledged(pending.key, entry.index)
        this.acknowledgedWrites++
      }
    }
  }

  onRestoreSnapshot(node: SimNode, index: number): void {
    this.safety.onRestoreSnapshot(node, index)
    // Proposals below the snapshot were applied elsewhere; this node never learns their outcome.
    const writes = this.pendingWrites.get(node.id)
    for (const i of writes?.keys() ?? []) if (i <= index) writes?.delete(i)
  }

  onReadState(node: SimNode, readState: ReadState): void {
    const read = this.pendingReads.get(node.id)?.get(readState.requestId)
    if (read !== undefined && read.index === undefined) read.index = readState.index
  }

  // ---- events --------------------------------------------------------------------

  private runOne(): void {
    const next = this.queue.pop()
    if (next === undefined) throw new Error('sim: event queue ran dry')
    this.nowMs = next.timeMs
    const event = next.event
    switch (event.kind) {
      case 'tick': {
        const node = this.nodes.get(event.node) as SimNode
        if (node.up) {
          node.node.tick()
          this.afterInput(node)
        }
        this.queue.push(this.nowMs + tickMs, event)
        return
      }
      case 'deliver': {
        const node = this.nodes.get(event.message.to) as SimNode
        if (!node.up || !this.network.connected(event.message.from, event.message.to)) return
        // Through the real wire format and its parser: a message the core sends that a node would refuse fails the run.
        const [onTheWire] = parseRaftMessages(JSON.parse(JSON.stringify({messages: [event.message]})))
        node.node.step(onTheWire)
        this.afterInput(node)
        return
      }
      case 'client':
        this.clientOperation()
        this.queue.push(this.nowMs + 1 + this.rng.int(20), event)
        return
      case 'fault':
        this.injectFault()
        this.queue.push(this.nowMs + this.faultDelayMs(), event)
        return
      case 'restart':
        this.restart(this.nodes.get(event.node) as SimNode)
        return
    }
  }

  /** Drains the node's Ready queue, puts its messages on the wire, and serves reads it can now answer. */
  private afterInput(node: SimNode): void {
    for (const message of node.drain(this)) {
      for (const delayMs of this.network.deliveryDelaysMs(message)) {
        this.queue.push(this.nowMs + delayMs, {kind: 'deliver', message})
      }
    }
    const reads = this.pendingReads.get(node.id)
    for (const [requestId, read] of reads ?? []) {
      if (read.index === undefined || node.kv.appliedIndex < read.index) continue
      reads?.delete(requestId)
      this.reads.readReturned(requestId, node.kv.get(read.key))
    }
  }

  private clientOperation(): void {
    const up = [...this.nodes.values()].filter((n) => n.up)
    if (up.length === 0) return
    const node = up[this.rng.int(up.length)]
    const key = keys[this.rng.int(keys.length)]
    const id = `op${this.nextOpId++}`
    if (this.rng.next() < 0.5) {
      const command: PutCommand = {key, value: id}
      const result = node.node.propose(JSON.stringify(command))
      if (result.ok) mapOf(this.pendingWrites, node.id).set(result.index, {term: result.term, key})
    } else {
      this.reads.readStarted(id, key)
      mapOf(this.pendingReads, node.id).set(id, {key})
      if (!node.node.readIndex(id).ok) {
        this.pendingReads.get(node.id)?.delete(id)
        this.reads.readAbandoned(id)
      }
    }
    this.afterInput(node)
  }

  private injectFault(): void {
    const ids = [...this.nodes.keys()]
    const roll = this.rng.next()
    if (roll < 0.25) {
      const side = ids.filter(() => this.rng.next() < 0.5)
      this.network.partition([side, ids.filter((id) => !side.includes(id))])
    } else if (roll < 0.45) {
      // Cutting off the leader is the fault that stale reads and lost writes hide behind.
      const leader = ids.find((id) => this.nodes.get(id)?.up && this.nodes.get(id)?.node.status().role === 'leader')
      const lone = this.rng.next() < 0.7 && leader !== undefined ? leader : ids[this.rng.int(ids.length)]
      this.network.partition([[lone], ids.filter((id) => id !== lone)])
    } else if (roll < 0.7) {
      this.network.heal()
    } else {
      const down = [...this.nodes.values()].filter((n) => !n.up).length
      const victim = this.nodes.get(ids[this.rng.int(ids.length)]) as SimNode
      // Keep a majority up most of the time so the cluster keeps making progress.
      if (!victim.up || down >= Math.floor((ids.length - 1) / 2)) return
      this.crash(victim)
      this.queue.push(this.nowMs + 50 + this.rng.int(1000), {kind: 'restart', node: victim.id})
    }
  }

  private crash(node: SimNode): void {
    node.crash()
    this.crashes++
    this.pendingWrites.delete(node.id)
    for (const requestId of this.pendingReads.get(node.id)?.keys() ?? []) this.reads.readAbandoned(requestId)
    this.pendingReads.delete(node.id)
  }

  private restart(node: SimNode): void {
    if (node.up) return
    node.restart()
    this.safety.onRestart(node)
    this.afterInput(node)
  }

  private faultDelayMs(): number {
    return 100 + this.rng.int(1500)
  }

  private healAll(): void {
    this.network.heal()
    this.network.faults = perfectNetwork
    for (const node of this.nodes.values()) this.restart(node)
  }

  /** Liveness: once healed, a fresh write commits and every node applies it within a bounded time. */
  private checkLivenessAfterHeal(): void {
    const deadlineMs = this.nowMs + 200 * tickMs * 10
    let proposal: {node: NodeId; index: number; term: number} | undefined
    while (this.nowMs < deadlineMs) {
      this.runOne()
      if (proposal === undefined) {
        const leader = [...this.nodes.values()].find((n) => n.node.status().role === 'leader')
        const result = leader?.node.propose(JSON.stringify({key: 'liveness', value: 'final'} satisfies PutCommand))
        if (leader !== undefined && result?.ok) {
          proposal = {node: leader.id, index: result.index, term: result.term}
          this.afterInput(leader)
        }
        continue
      }
      const target = proposal
      const applied = [...this.nodes.values()].every((n) => n.kv.appliedIndex >= target.index)
      if (applied) {
        if ((this.nodes.get(target.node) as SimNode).kv.get('liveness')?.index === target.index) return
        proposal = undefined // overwritten by a newer leader; propose again
      }
    }
    throw new SafetyViolation(`liveness: no write committed on every node within ${deadlineMs}ms after healing`)
  }
}

function mapOf<K, V>(maps: Map<NodeId, Map<K, V>>, id: NodeId): Map<K, V> {
  let map = maps.get(id)
  if (map === undefined) maps.set(id, (map = new Map()))
  return map
}
