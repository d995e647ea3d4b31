/** A FIFO of waiters with O(1) removal by marking, compacted as it drains. */
export class WaitQueue<T extends {cancelled: boolean}> {
  private items: T[] = []
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
    while (this.head < this.items.length && this.items[this.head].cancelled) this.head++
    this.compact()
    return this.items[this.head]
  }

  shift(): T | undefined {
    const item = this.peek()
    if (item) {
      this.head++
      this.live--
    }
    return item
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
