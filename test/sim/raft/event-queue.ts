/** A min-heap of timed events; ties go to the earlier-scheduled one, so runs are deterministic. */
export class EventQueue<T> {
  private readonly heap: {timeMs: number; seq: number; event: T}[] = []
  private seq = 0

  get size(): number {
    return this.heap.length
  }

  push(timeMs: number, event: T): void {
    this.heap.push({timeMs, seq: this.seq++, event})
    let i = this.heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(i, parent)) break
      this.swap(i, parent)
      i = parent
    }
  }

  pop(): {timeMs: number; event: T} | undefined {
    const top = this.heap[0]
    const last = this.heap.pop()
    if (top === undefined || last === undefined) return undefined
    if (this.heap.length > 0) {
      this.heap[0] = last
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < this.heap.length && this.less(left, smallest)) smallest = left
        if (right < this.heap.length && this.less(right, smallest)) smallest = right
        if (smallest === i) break
        this.swap(i, smallest)
        i = smallest
      }
    }
    return top
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a]
    const y = this.heap[b]
    return x.timeMs < y.timeMs || (x.timeMs === y.timeMs && x.seq < y.seq)
  }

  private swap(a: number, b: number): void {
    ;[this.heap[a], this.heap[b]] = [this.heap[b], this.heap[a]]
  }
}
