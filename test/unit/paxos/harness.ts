import {SeededRng} from '../../../src/core/common/rng.js'
import {
  PaxosNode,
  type AcceptedValue,
  type ChosenValue,
  type HardState,
  type Message,
  type NodeId,
  type PaxosOptions,
  type Ready,
} from '../../../src/core/paxos/index.js'
import {emptyHardState} from '../../../src/core/paxos/index.js'

export type TestOptions = Partial<Omit<PaxosOptions, 'id' | 'peers'>>

/** What a node's storage holds: only what its Readies asked to persist. */
interface Disk {
  hardState: HardState
  readonly accepted: Map<number, AcceptedValue>
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
 * everything in memory; a restart rebuilds it from its Disk alone.
 */
export class Cluster {
  readonly nodes = new Map<NodeId, PaxosNode>()
  readonly disks = new Map<NodeId, Disk>()
  /** What each node's state machine applied since it (re)started, in order. */
  readonly applied = new Map<NodeId, ChosenValue[]>()
  /** Every value any node applied per slot: two different ones is a safety violation. */
  readonly chosenBySlot = new Map<number, string>()
  readonly violations: string[] = []
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
    for (const node of id === undefined ? this.nodes.values() : [this.node(id)]) node.tick()
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
    for (const value of ready.accepted) disk.accepted.set(value.slot, value)
    if (ready.hardState !== undefined) disk.hardState = ready.hardState
    this.queue.push(...ready.messages)
    const applied = this.applied.get(id)!
    for (const value of ready.committed) {
      const expected = (applied.at(-1)?.slot ?? 0) + 1
      if (value.slot !== expected) this.violations.push(`${id} applied slot ${value.slot} after ${expected - 1}`)
      applied.push(value)
      const earlier = this.chosenBySlot.get(value.slot)
      if (earlier === undefined) this.chosenBySlot.set(value.slot, value.data)
      else if (earlier !== value.data) this.violations.push(`slot ${value.slot}: ${id} applied ${JSON.stringify(value.data)} but ${JSON.stringify(earlier)} was applied before`)
    }
    node.advance(ready)
  }

  private start(id: NodeId): void {
    const disk = this.disks.get(id)!
    const rng = new SeededRng((this.faults?.rng.int(1 << 30) ?? 0) + this.ids.indexOf(id) + 1 + 1000 * this.restarts++)
    this.nodes.set(id, new PaxosNode({id, peers: this.ids, rng, ...this.options}, {hardState: disk.hardState, accepted: [...disk.accepted.values()]}))
    this.applied.set(id, [])
  }
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
      const leader = cluster.leader()
      if (leader !== undefined && candidates.includes(leader)) return leader
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
