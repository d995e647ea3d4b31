import {SeededRng} from '../../../src/core/common/rng.js'
import {
  PaxosNode,
  type AcceptedValue,
  type ChosenValue,
  type HardState,
  type Message,
  type NodeId,
  type PaxosOptions,
  type ReadIndexResult,
  type Ready,
  type Snapshot,
} from '../../../src/core/paxos/index.js'
import {emptyHardState} from '../../../src/core/paxos/index.js'

export type TestOptions = Partial<Omit<PaxosOptions, 'id' | 'peers'>>

/** What a node's storage holds: only what its Readies asked to persist. */
interface Disk {
  hardState: HardState
  readonly accepted: Map<number, AcceptedValue>
  snapshot?: Snapshot
}

export interface Faults {
  readonly rng: SeededRng
  readonly lossRate: number
  readonly duplicateRate: number
}

/**
 * An in-process cluster of PaxosNodes. Each Ready is persisted to the node's
 * Disk, then its messages are queued, then its committed values recorded as
 * applied, then acknowledged: the order the Ready contract asks for. Without
 * faults, messages are delivered in order, breadth-first; with them, in
 * random order, some lost and some duplicated. A crash drops the node and
 * everything in memory; a restart rebuilds it from its Disk alone. The state
 * machine is the applied sequence, so a snapshot's data is that sequence's
 * prefix (JSON), which a restore or install puts back as the applied list.
 * A read's ReadState must cover every slot any node applied before the read
 * was asked; a tick before a node's ticksUntilDue must change nothing it shows.
 */
export class Cluster {
  readonly nodes = new Map<NodeId, PaxosNode>()
  readonly disks = new Map<NodeId, Disk>()
  /** Each node's state machine: what it restored from a snapshot, then applied, in order. */
  readonly applied = new Map<NodeId, ChosenValue[]>()
  /** Every value any node applied per slot: two different ones is a safety violation. */
  readonly chosenBySlot = new Map<number, string>()
  readonly violations: string[] = []
  /** Reads asked and not yet confirmed: where, and the highest slot any node had applied then. */
  readonly pendingReads = new Map<string, {readonly id: NodeId; readonly appliedBefore: number}>()
  /** Confirmed reads: the read point of each. */
  readonly readPoints = new Map<string, number>()
  private maxAppliedSlot = 0
  queue: Message[] = []
  private readonly cut = new Set<string>()
  private restarts = 0
  drop: (m: Message) => boolean = () => false

  constructor(
    readonly ids: readonly NodeId[],
    private readonly options: TestOptions = {},
    public faults?: Faults,
  ) {
    for (const id of ids) {
      this.disks.set(id, {hardState: emptyHardState, accepted: new Map()})
      this.start(id)
    }
  }

  node(id: NodeId): PaxosNode {
    const node = this.nodes.get(id)
    if (node === undefined) throw new Error(`${id} is down`)
    return node
  }

  leader(): NodeId | undefined {
    return [...this.nodes.values()].find((n) => n.status().role === 'leader')?.id
  }

  /** Cuts both directions between a and b. */
  isolate(a: NodeId, ...others: NodeId[]): void {
    for (const b of others.length > 0 ? others : this.ids.filter((x) => x !== a)) {
      this.cut.add(`${a}>${b}`)
      this.cut.add(`${b}>${a}`)
    }
  }

  heal(): void {
    this.cut.clear()
  }

  crash(id: NodeId): void {
    this.nodes.delete(id)
  }

  restart(id: NodeId): void {
    this.start(id)
  }

  tick(id?: NodeId): void {
    for (const node of id === undefined ? this.nodes.values() : [this.node(id)]) {
      const due = node.ticksUntilDue()
      const before = shown(node)
      node.tick()
      if (due < 1) this.violations.push(`${node.id}: ticksUntilDue ${due} < 1`)
      if (due > 1 && shown(node) !== before) this.violations.push(`${node.id} acted on a tick ${due} ticks before it was due`)
    }
    this.flushReadies()
  }

  /** Delivers queued messages until none are left (or `limit` deliveries). */
  deliverAll(limit = 100_000): void {
    for (let i = 0; i < limit && this.deliverOne(); i++);
  }

  deliverOne(): boolean {
    this.flushReadies()
    if (this.queue.length === 0) return false
    const index = this.faults === undefined ? 0 : this.faults.rng.int(this.queue.length)
    const [m] = this.queue.splice(index, 1)
    if (this.faults !== undefined && this.faults.rng.next() < this.faults.duplicateRate) this.queue.push(m)
    const lost = this.faults !== undefined && this.faults.rng.next() < this.faults.lossRate
    const target = this.nodes.get(m.to)
    if (!lost && target !== undefined && !this.cut.has(`${m.from}>${m.to}`) && !this.drop(m)) target.step(m)
    this.flushReadies()
    return true
  }

  /** Ticks every live node and delivers everything, `rounds` times. */
  settle(rounds = 30): void {
    for (let i = 0; i < rounds; i++) {
      this.tick()
      this.deliverAll()
    }
  }

  propose(id: NodeId, data: string): ReturnType<PaxosNode['propose']> {
    const result = this.node(id).propose(data)
    this.flushReadies()
    return result
  }

  /** Asks `id` for a read point; its ReadState, if one comes, is checked against what was applied before now. */
  read(id: NodeId, requestId: string): ReadIndexResult {
    return this.readMany(id, [requestId])[0]
  }

  /** Asks `id` for several read points before its next Ready, as an application batching reads does. */
  readMany(id: NodeId, requestIds: readonly string[]): ReadIndexResult[] {
    const results = requestIds.map((requestId) => {
      this.pendingReads.set(requestId, {id, appliedBefore: this.maxAppliedSlot})
      const result = this.node(id).readIndex(requestId)
      if (!result.ok) this.pendingReads.delete(requestId)
      return result
    })
    this.flushReadies()
    return results
  }

  /** The application of `id` snapshots its state machine after its last applied slot (or `slot`, if lower). */
  compact(id: NodeId, slot?: number): Snapshot {
    const applied = this.applied.get(id)!
    const through = Math.min(slot ?? Number.POSITIVE_INFINITY, applied.at(-1)?.slot ?? 0)
    const snapshot = this.node(id).compact(through, JSON.stringify(applied.filter((v) => v.slot <= through)))
    // Slot 0 is the empty snapshot the core returns when there is nothing to compact.
    if (snapshot.slot > 0) this.persistSnapshot(this.disks.get(id)!, snapshot)
    this.flushReadies()
    return snapshot
  }

  appliedData(id: NodeId): string[] {
    return (this.applied.get(id) ?? []).map((v) => v.data)
  }

  flushReadies(): void {
    for (const [id, node] of this.nodes) {
      while (node.hasReady()) this.handle(id, node, node.ready())
    }
  }

  private handle(id: NodeId, node: PaxosNode, ready: Ready): void {
    const disk = this.disks.get(id)!
    if (ready.snapshot !== undefined) this.persistSnapshot(disk, ready.snapshot)
    for (const value of ready.accepted) disk.accepted.set(value.slot, value)
    if (ready.hardState !== undefined) disk.hardState = ready.hardState
    this.queue.push(...ready.messages)
    if (ready.snapshot !== undefined) this.restore(id, ready.snapshot)
    this.apply(id, ready.committed)
    for (const {requestId, index} of ready.readStates) this.confirmRead(id, requestId, index)
    node.advance(ready)
  }

  /** A read must see every write chosen before it began: every slot applied anywhere before it was asked. */
  private confirmRead(id: NodeId, requestId: string, index: number): void {
    const read = this.pendingReads.get(requestId)
    this.pendingReads.delete(requestId)
    if (read === undefined || read.id !== id) return void this.violations.push(`${id} confirmed read ${requestId}, which it was not asked (or twice)`)
    if (index < read.appliedBefore) this.violations.push(`stale read ${requestId} at ${id}: read point ${index}, but slot ${read.appliedBefore} was applied before it was asked`)
    this.readPoints.set(requestId, index)
  }

  private persistSnapshot(disk: Disk, snapshot: Snapshot): void {
    disk.snapshot = snapshot
    for (const slot of [...disk.accepted.keys()]) if (slot <= snapshot.slot) disk.accepted.delete(slot)
  }

  /** The state machine becomes the snapshot's sequence; each of its values is checked like an applied one. */
  private restore(id: NodeId, snapshot: Snapshot): void {
    this.applied.set(id, [])
    const values = JSON.parse(snapshot.data) as ChosenValue[]
    if ((values.at(-1)?.slot ?? 0) !== snapshot.slot) this.violations.push(`${id}: snapshot at slot ${snapshot.slot} holds ${values.length} values`)
    this.apply(id, values)
  }

  private apply(id: NodeId, values: readonly ChosenValue[]): void {
    const applied = this.applied.get(id)!
    for (const value of values) {
      const expected = (applied.at(-1)?.slot ?? 0) + 1
      if (value.slot !== expected) this.violations.push(`${id} applied slot ${value.slot} after ${expected - 1}`)
      applied.push(value)
      this.maxAppliedSlot = Math.max(this.maxAppliedSlot, value.slot)
      const earlier = this.chosenBySlot.get(value.slot)
      if (earlier === undefined) this.chosenBySlot.set(value.slot, value.data)
      else if (earlier !== value.data) this.violations.push(`slot ${value.slot}: ${id} applied ${JSON.stringify(value.data)} but ${JSON.stringify(earlier)} was applied before`)
    }
  }

  private start(id: NodeId): void {
    const disk = this.disks.get(id)!
    const rng = new SeededRng((this.faults?.rng.int(1 << 30) ?? 0) + this.ids.indexOf(id) + 1 + 1000 * this.restarts++)
    const persisted = {hardState: disk.hardState, accepted: [...disk.accepted.values()], ...(disk.snapshot === undefined ? {} : {snapshot: disk.snapshot})}
    this.nodes.set(id, new PaxosNode({id, peers: this.ids, rng, ...this.options}, persisted))
    if (disk.snapshot === undefined) this.applied.set(id, [])
    else this.restore(id, disk.snapshot)
  }
}

/** What a tick could change that the application sees (hasReady too: a node restarted since the last flush may already have values to apply). */
function shown(node: PaxosNode): string {
  const {role, leader, promised, chosen, applied, nextSlot} = node.status()
  return `${role} ${leader} ${promised.round} ${promised.node} ${chosen} ${applied} ${nextSlot} ${node.hasReady()}`
}

/**
 * Ticks `tickIds` (default: every live node) and delivers until one of
 * `candidates` leads, losing every other node's prepares meanwhile; returns
 * the leader. The one way to pick a winner that does not bypass the
 * pre-check: followers only answer a prepare once their leader went quiet.
 */
export function electAmong(cluster: Cluster, candidates: readonly NodeId[], tickIds?: readonly NodeId[], maxRounds = 500): NodeId {
  const before = cluster.drop
  cluster.drop = (m) => (m.type === 'prepare' && !candidates.includes(m.from)) || before(m)
  try {
    for (let i = 0; i < maxRounds; i++) {
      // A stale leader outside `candidates` may still believe it leads.
      const leader = candidates.find((id) => cluster.nodes.get(id)?.status().role === 'leader')
      if (leader !== undefined) return leader
      for (const id of tickIds ?? [...cluster.nodes.keys()]) cluster.tick(id)
      cluster.deliverAll()
    }
  } finally {
    cluster.drop = before
  }
  throw new Error(`none of ${candidates.join(', ')} was elected`)
}

/** Ticks until some node leads; returns it. */
export function electLeader(cluster: Cluster, maxRounds = 200): NodeId {
  for (let i = 0; i < maxRounds; i++) {
    const leader = cluster.leader()
    if (leader !== undefined) return leader
    cluster.tick()
    cluster.deliverAll()
  }
  throw new Error('no leader elected')
}
