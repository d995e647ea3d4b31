import {KvStore, type KvOp} from '../../runtime/storage/kv-store.js'

/**
 * A ring shard's durable map: KvStore (acknowledged after fsync, group
 * commit) plus a count of writes in flight per key, so a migration copy with
 * put-if-absent treats a key whose write is not yet durable as present and
 * can never land after — and overwrite — a newer write.
 */
export class ShardStore {
  private readonly inflight = new Map<string, number>()

  constructor(private readonly store: KvStore) {}

  get(key: string): string | undefined {
    return this.store.get(key)
  }

  get size(): number {
    return this.store.size
  }

  keys(): string[] {
    return [...this.store.keys()]
  }

  put(key: string, value: string): Promise<void> {
    return this.write([{type: 'put', key, value}])
  }

  delete(key: string): Promise<void> {
    return this.write([{type: 'delete', key}])
  }

  /** Puts the entries; with `ifAbsent`, only those whose key is absent and has no write in flight. Resolves with the count written. */
  async putMany(entries: ReadonlyArray<{key: string; value: string}>, ifAbsent: boolean): Promise<number> {
    const ops: KvOp[] = []
    for (const {key, value} of entries) {
      if (ifAbsent && (this.store.has(key) || this.inflight.has(key))) continue
      ops.push({type: 'put', key, value})
    }
    if (ops.length > 0) await this.write(ops)
    return ops.length
  }

  /** Deletes the keys (a record for each, so it orders after writes in flight); resolves with how many were present. */
  async deleteMany(keys: readonly string[]): Promise<number> {
    const present = keys.filter((key) => this.store.has(key)).length
    if (keys.length > 0) await this.write(keys.map((key) => ({type: 'delete', key})))
    return present
  }

  health(): Record<string, unknown> {
    const stats = this.store.stats()
    return {keys: this.store.size, appliedIndex: stats.appliedIndex, compactions: stats.compactions}
  }

  close(): Promise<void> {
    return this.store.close()
  }

  private async write(ops: KvOp[]): Promise<void> {
    for (const op of ops) this.inflight.set(op.key, (this.inflight.get(op.key) ?? 0) + 1)
    try {
      await this.store.apply(ops)
    } finally {
      for (const op of ops) {
        const left = (this.inflight.get(op.key) ?? 1) - 1
        if (left === 0) this.inflight.delete(op.key)
        else this.inflight.set(op.key, left)
      }
    }
  }
}
