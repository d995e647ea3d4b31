import type {Rng} from '../../../src/core/common/rng.js'
import {
  RawNode,
  type Entry,
  type Message,
  type NodeId,
  type RaftOptions,
  type ReadState,
  type SoftState,
} from '../../../src/core/raft/index.js'
import {KvStateMachine} from './kv-state-machine.js'
import {SimulatedStorage} from './simulated-storage.js'

/** What a node did while draining its Ready queue, for checkers and clients to look at. */
export interface NodeObserver {
  onSoftState(node: SimNode, softState: SoftState): void
  onApply(node: SimNode, entry: Entry): void
  onRestoreSnapshot(node: SimNode, index: number): void
  onReadState(node: SimNode, readState: ReadState): void
}

export interface SimNodeOptions extends Omit<RaftOptions, 'id' | 'peers' | 'rng'> {
  /** Compact the log once this many applied entries follow the last snapshot. */
  readonly compactEveryEntries: number
}

/**
 * One replica the way a real node drives the core: persist → send → apply →
 * advance, with a KV state machine, a crash-prone disk and log compaction.
 * Between crash() and restart() it is down and holds no volatile state.
 */
export class SimNode {
  readonly storage = new SimulatedStorage()
  private raw: RawNode | undefined
  kv = new KvStateMachine()
  private snapshotIndex = 0

  constructor(
    readonly id: NodeId,
    private readonly peers: readonly NodeId[],
    private readonly rng: Rng,
    private readonly options: SimNodeOptions,
  ) {
    this.raw = new RawNode(this.raftOptions())
  }

  get up(): boolean {
    return this.raw !== undefined
  }

  /** The core; only while the node is up. */
  get node(): RawNode {
    if (this.raw === undefined) throw new Error(`sim: ${this.id} is down`)
    return this.raw
  }

  /** Processes every pending Ready; returns the messages to put on the network. */
  drain(observer: NodeObserver): Message[] {
    const node = this.node
    const out: Message[] = []
    while (node.hasReady()) {
      const ready = node.ready()
      // 1. Persist, and sync when asked, before anything leaves the node (thesis §3.8).
      if (ready.snapshot !== undefined) this.storage.saveSnapshot(ready.snapshot, true)
      this.storage.appendEntries(ready.entries)
      if (ready.hardState !== undefined) this.storage.setHardState(ready.hardState)
      if (ready.mustSync) this.storage.sync()
      // 2. Send.
      out.push(...ready.messages)
      // 3. Apply.
      if (ready.softState !== undefined) observer.onSoftState(this, ready.softState)
      if (ready.snapshot !== undefined) {
        this.kv = KvStateMachine.restore(ready.snapshot.data, ready.snapshot.index)
        this.snapshotIndex = ready.snapshot.index
        observer.onRestoreSnapshot(this, ready.snapshot.index)
      }
      for (const entry of ready.committedEntries) {
        this.kv.apply(entry)
        observer.onApply(this, entry)
      }
      for (const readState of ready.readStates) observer.onReadState(this, readState)
      // 4. Advance.
      node.advance(ready)
      this.maybeCompact()
    }
    return out
  }

  crash(): void {
    this.storage.crash(this.rng)
    this.raw = undefined
  }

  restart(): void {
    const persisted = this.storage.load()
    this.raw = new RawNode(this.raftOptions(), persisted)
    const snapshot = persisted.snapshot
    this.kv = KvStateMachine.restore(snapshot?.data ?? '', snapshot?.index ?? 0)
    this.snapshotIndex = snapshot?.index ?? 0
  }

  private maybeCompact(): void {
    const applied = this.kv.appliedIndex
    if (applied - this.snapshotIndex < this.options.compactEveryEntries) return
    const snapshot = this.node.compact(applied, this.kv.serialize())
    this.storage.saveSnapshot(snapshot, false)
    this.storage.sync()
    this.snapshotIndex = snapshot.index
  }

  private raftOptions(): RaftOptions {
    return {...this.options, id: this.id, peers: this.peers, rng: this.rng}
  }
}
