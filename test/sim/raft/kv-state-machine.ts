import type {Entry} from '../../../src/core/raft/index.js'

/** What the simulated clients propose. `value`s are unique per write so reads can tell writes apart. */
export interface PutCommand {
  readonly key: string
  readonly value: string
}

export interface VersionedValue {
  readonly value: string
  /** The log index of the write that set it. */
  readonly index: number
}

/** A tiny deterministic KV store: the state machine the simulation replicates. */
export class KvStateMachine {
  private readonly data = new Map<string, VersionedValue>()
  appliedIndex = 0

  apply(entry: Entry): void {
    if (entry.index !== this.appliedIndex + 1) {
      throw new Error(`kv: applying ${entry.index} after ${this.appliedIndex}`)
    }
    this.appliedIndex = entry.index
    if (entry.data === '') return // leader no-op
    const command = JSON.parse(entry.data) as PutCommand
    this.data.set(command.key, {value: command.value, index: entry.index})
  }

  get(key: string): VersionedValue | undefined {
    return this.data.get(key)
  }

  serialize(): string {
    return JSON.stringify([...this.data])
  }

  static restore(data: string, index: number): KvStateMachine {
    const kv = new KvStateMachine()
    if (data !== '') for (const [key, value] of JSON.parse(data) as [string, VersionedValue][]) kv.data.set(key, value)
    kv.appliedIndex = index
    return kv
  }
}
