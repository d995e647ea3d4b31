import {MinHeap} from '../common/min-heap.js'

/** At most one deadline per key; re-setting replaces it (lazy deletion in the heap). */
export class Deadlines<K> {
  private readonly heap = new MinHeap<{key: K; atMs: number}>()
  private readonly atMs = new Map<K, number>()

  set(key: K, atMs: number): void {
    this.atMs.set(key, atMs)
    this.heap.push(atMs, {key, atMs})
  }

  clear(key: K): void {
    this.atMs.delete(key)
  }

  /** Removes and returns every key whose deadline is at or before `nowMs`, earliest first. */
  due(nowMs: number): K[] {
    const keys: K[] = []
    for (let next = this.next(); next !== undefined && next <= nowMs; next = this.next()) {
      const {key} = this.heap.pop()!
      this.atMs.delete(key)
      keys.push(key)
    }
    return keys
  }

  /** The earliest live deadline, so the node can sleep until then. */
  next(): number | undefined {
    for (let entry = this.heap.peek(); entry !== undefined; entry = this.heap.peek()) {
      if (this.atMs.get(entry.key) === entry.atMs) return entry.atMs
      this.heap.pop() // stale: replaced or cleared
    }
    return undefined
  }
}
