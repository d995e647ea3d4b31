import {SeededRng} from '../../../src/core/common/rng.js'
import {
  RawNode,
  type Entry,
  type Message,
  type NodeId,
  type PersistedState,
  type RaftOptions,
  type Ready,
  type ReadState,
} from '../../../src/core/raft/index.js'

export type TestOptions = Partial<Omit<RaftOptions, 'id' | 'peers'>>

export function newNode(id: NodeId, peers: readonly NodeId[], options: TestOptions = {}, persisted?: PersistedState) {
  return new RawNode({id, peers, rng: new SeededRng(1), ...options}, persisted)
}

/** Takes one Ready and acknowledges it as if persisted, sent and applied. */
export function takeReady(node: RawNode): Ready {
  const ready = node.ready()
  node.advance(ready)
  return ready
}

/** Drains every Ready; returns the messages the node sent. */
export function outbox(node: RawNode): Message[] {
  const messages: Message[] = []
  while (node.hasReady()) messages.push(...takeReady(node).messages)
  return messages
}

export function ticks(node: RawNode, count: number): void {
  for (let i = 0; i < count; i++) node.tick()
}

/**
 * An in-process network in the style of etcd-io/raft's raft_test.go: every
 * message is delivered at once, breadth-first, unless its link is cut or a
 * filter drops it. Nodes persist by acknowledging their Ready (the core keeps
 * the log in memory), and what each applies is recorded.
 */
export class Network {
  readonly nodes = new Map<NodeId, RawNode>()
  readonly applied = new Map<NodeId, Entry[]>()
  readonly readStates = new Map<NodeId, ReadState[]>()
  /** Every message sent, delivered or not. */
  readonly sent: Message[] = []
  private readonly cut = new Set<string>()
  drop: (m: Message) => boolean = () => false

  constructor(
    readonly ids: readonly NodeId[],
    options: TestOptions = {},
  ) {
    ids.forEach((id, i) => {
      this.nodes.set(id, new RawNode({id, peers: ids, rng: new SeededRng(i + 1), ...options}))
      this.applied.set(id, [])
      this.readStates.set(id, [])
    })
  }

  node(id: NodeId): RawNode {
    return this.nodes.get(id) as RawNode
  }

  isolate(id: NodeId): void {
    for (const other of this.ids) if (other !== id) this.cutLink(id, other)
  }

  cutLink(a: NodeId, b: NodeId): void {
    this.cut.add(`${a}>${b}`).add(`${b}>${a}`)
  }

  heal(): void {
    this.cut.clear()
  }

  /** Runs `action` on a node, then delivers until no node has anything left to say. */
  act(id: NodeId, action: (node: RawNode) => void): void {
    action(this.node(id))
    this.settle()
  }

  campaign(id: NodeId): void {
    this.act(id, (n) => n.campaign())
  }

  tickAll(count: number): void {
    for (let i = 0; i < count; i++) {
      for (const node of this.nodes.values()) node.tick()
      this.settle()
    }
  }

  /** Delivers a message from outside (for instance a stale one) and settles. */
  deliver(message: Message): void {
    this.node(message.to).step(message)
    this.settle()
  }

  settle(): void {
    for (let round = 0; round < 10_000; round++) {
      const batch: Message[] = []
      for (const [id, node] of this.nodes) {
        while (node.hasReady()) {
          const ready = takeReady(node)
          this.applied.get(id)?.push(...ready.committedEntries)
          this.readStates.get(id)?.push(...ready.readStates)
          batch.push(...ready.messages)
        }
      }
      if (batch.length === 0) return
      for (const m of batch) {
        this.sent.push(m)
        if (this.cut.has(`${m.from}>${m.to}`) || this.drop(m)) continue
        // Messages cross the wire as JSON; prove they survive it.
        this.node(m.to).step(JSON.parse(JSON.stringify(m)) as Message)
      }
    }
    throw new Error('network: did not settle')
  }

  leaders(): NodeId[] {
    return this.ids.filter((id) => this.node(id).status().role === 'leader')
  }

  appliedData(id: NodeId): string[] {
    return (this.applied.get(id) ?? []).map((e) => e.data).filter((d) => d !== '')
  }
}
