/**
 * Per-key mutual exclusion inside the router: during a migration a moving
 * key's client operations and the migrator's copy of it take turns, so a
 * copy can never land after — and overwrite — a newer acknowledged write.
 * FIFO per key; a key's entry is dropped when its last holder releases.
 */
export class KeyMutex {
  private readonly tails = new Map<string, Promise<void>>()

  async lock(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((resolve) => (release = resolve))
    const tail = previous.then(() => mine)
    this.tails.set(key, tail)
    await previous
    return () => {
      release()
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }

  /** Locks every key; safe from deadlock as long as only one holder at a time locks keys another may hold (the migrator's batches are disjoint). */
  async lockAll(keys: readonly string[]): Promise<() => void> {
    const releases: Array<() => void> = []
    for (const key of keys) releases.push(await this.lock(key))
    return () => {
      for (const release of releases) release()
    }
  }

  get size(): number {
    return this.tails.size
  }
}
