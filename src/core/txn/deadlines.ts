import {HeapEntry, MinHeap} from '../common/min-heap.js'

/** At most one deadline per key; re-setting replaces it. */
export class Deadlines<K> {
  private readonly heap = new MinHeap<K>()
  private readonly entries = new Map<K, HeapEntry<K>>()

  set(key: K, atMs: number): void {
    this.clear(key)
    this.entries.set(key, this.heap.push(atMs, key))
  }

  clear(key: K): void {
    const entry = this.entries.get(key)
    if (!entry) return
    this.heap.remove(entry)
    this.entries.delete(key)
  }

  /** Removes and returns every key whose deadline is at or before `nowMs`, earliest first. */
  due(nowMs: number): K[] {
    const keys: K[] = []
    for (let next = this.next(); next !== undefined && next <= nowMs; next = this.next()) {
      const key = this.heap.pop()!
      this.entries.delete(key)
      keys.push(key)
    }
    return keys
  }

  /** The earliest deadline, so the node can sleep until then. */
  next(): number | undefined {
    return this.heap.peekKey()
  }
}
