/** A FIFO of waiters with O(1) removal by marking, compacted as it drains. */
export class WaitQueue<T extends {cancelled: boolean}> {
  /**
   * Slots before `head` are emptied as the head passes them: a granted waiter
   * kept here until the next compaction (a fifth of a second on a busy lock)
   * outlived two young-generation GCs, was promoted, and made the server's
   * full GCs, whose pauses every waiter in the queue sits through.
   */
  private items: Array<T | undefined> = []
  private head = 0
  private live = 0

  get length(): number {
    return this.live
  }

  push(item: T): void {
    this.items.push(item)
    this.live++
  }

  /** The oldest waiter still waiting. */
  peek(): T | undefined {
    while (this.head < this.items.length && this.items[this.head]!.cancelled) this.items[this.head++] = undefined
    this.compact()
    return this.items[this.head]
  }

  shift(): T | undefined {
    const item = this.peek()
    if (item) {
      this.items[this.head++] = undefined
      this.live--
    }
    return item
  }

  /** The waiters still waiting, oldest first. */
  *[Symbol.iterator](): Generator<T> {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i]!
      if (!item.cancelled) yield item
    }
  }

  /** Call after setting `item.cancelled` on an item still in the queue. */
  removed(): void {
    this.live--
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
  }
}
