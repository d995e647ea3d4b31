/** A place in a MinHeap; `index` is -1 once the entry has left the heap. */
export interface HeapEntry<T> {
  readonly key: number
  readonly value: T
  index: number
}

/**
 * A binary min-heap ordered by `key`, used for deadlines. Entries can be
 * removed by handle, so a deadline that no longer matters (a waiter granted
 * long before its wait ran out) leaves at once instead of lingering until it
 * is due. Lingering ones would pile up on a busy lock server (a 10 s wait at
 * 5,000 grants/s leaves 50,000) and keep every waiter alive through GC.
 */
export class MinHeap<T> {
  private readonly items: HeapEntry<T>[] = []

  get size(): number {
    return this.items.length
  }

  push(key: number, value: T): HeapEntry<T> {
    const entry = {key, value, index: this.items.length}
    this.items.push(entry)
    this.up(entry.index)
    return entry
  }

  peekKey(): number | undefined {
    return this.items[0]?.key
  }

  peek(): T | undefined {
    return this.items[0]?.value
  }

  /** The entries with a key <= `key`, in no particular order, left in the heap. */
  upTo(key: number): HeapEntry<T>[] {
    const found: HeapEntry<T>[] = []
    // A child's key is never below its parent's: stop descending at the first one past `key`.
    const stack = [0]
    while (stack.length > 0) {
      const i = stack.pop()!
      const entry = this.items[i]
      if (!entry || entry.key > key) continue
      found.push(entry)
      stack.push(2 * i + 1, 2 * i + 2)
    }
    return found
  }

  pop(): T | undefined {
    const top = this.items[0]
    if (!top) return undefined
    this.removeAt(0)
    return top.value
  }

  /** Takes `entry` out of the heap; false when it had already left. */
  remove(entry: HeapEntry<T>): boolean {
    if (entry.index < 0 || this.items[entry.index] !== entry) return false
    this.removeAt(entry.index)
    return true
  }

  private removeAt(i: number): void {
    const items = this.items
    const gone = items[i]
    const last = items.pop()!
    gone.index = -1
    if (last === gone) return
    items[i] = last
    last.index = i
    this.down(i)
    this.up(last.index)
  }

  private up(i: number): void {
    const items = this.items
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (items[parent].key <= items[i].key) break
      this.swap(parent, i)
      i = parent
    }
  }

  private down(i: number): void {
    const items = this.items
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let smallest = i
      if (l < items.length && items[l].key < items[smallest].key) smallest = l
      if (r < items.length && items[r].key < items[smallest].key) smallest = r
      if (smallest === i) return
      this.swap(smallest, i)
      i = smallest
    }
  }

  private swap(a: number, b: number): void {
    const items = this.items
    const x = items[a]
    items[a] = items[b]
    items[b] = x
    items[a].index = a
    items[b].index = b
  }
}
