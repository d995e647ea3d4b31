/** A binary min-heap ordered by `key`; used for deadlines (lazy deletion by the caller). */
export class MinHeap<T> {
  private readonly items: Array<{key: number; value: T}> = []

  get size(): number {
    return this.items.length
  }

  push(key: number, value: T): void {
    const items = this.items
    items.push({key, value})
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (items[parent].key <= items[i].key) break
      ;[items[parent], items[i]] = [items[i], items[parent]]
      i = parent
    }
  }

  peekKey(): number | undefined {
    return this.items[0]?.key
  }

  peek(): T | undefined {
    return this.items[0]?.value
  }

  pop(): T | undefined {
    const items = this.items
    if (items.length === 0) return undefined
    const top = items[0]
    const last = items.pop()!
    if (items.length > 0) {
      items[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let smallest = i
        if (l < items.length && items[l].key < items[smallest].key) smallest = l
        if (r < items.length && items[r].key < items[smallest].key) smallest = r
        if (smallest === i) break
        ;[items[smallest], items[i]] = [items[i], items[smallest]]
        i = smallest
      }
    }
    return top.value
  }
}
