/**
 * Counts the requests routed under one routing regime, so a switch of regime
 * can wait until every request that used the old one has finished.
 */
export class DrainCounter {
  private count = 0
  private waiters: Array<() => void> = []

  async run<T>(work: () => Promise<T>): Promise<T> {
    this.count++
    try {
      return await work()
    } finally {
      this.count--
      if (this.count === 0) {
        for (const wake of this.waiters.splice(0)) wake()
      }
    }
  }

  drained(): Promise<void> {
    if (this.count === 0) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }
}
