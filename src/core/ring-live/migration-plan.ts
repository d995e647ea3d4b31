import type {Placement} from '../ring/index.js'

/** A batch of keys that leave `from` for `to`. */
export interface MoveBatch {
  from: string
  to: string
  keys: string[]
}

export interface MigrationPlan {
  /** The keys found, in scan order, each once: the key set the offline prediction is computed over. */
  keys: string[]
  /** Keys found on a shard that does not own them under the new placement. */
  moving: number
  batches: MoveBatch[]
}

/**
 * Which keys must move once `after` is in force, from where each key lies
 * now (`keysByShard`, as listed by the old shards) — not from the old
 * placement: so the live count checks the invariant that every key lies on
 * its owner. The lists are taken one shard after another while clients
 * write, so a key a client wrote at its new owner during the migration
 * (`before` does not put it there, `after` does) is left out: it is not on
 * the move, and the router counts it separately if the write moved it.
 * Batches hold at most `maxItems` keys and go from one shard to one shard.
 */
export function planMigration(before: Placement, after: Placement, keysByShard: ReadonlyMap<string, readonly string[]>, maxItems: number): MigrationPlan {
  const keys: string[] = []
  const open = new Map<string, MoveBatch>()
  const batches: MoveBatch[] = []
  let moving = 0
  for (const [from, shardKeys] of keysByShard) {
    for (const key of shardKeys) {
      const to = after.owner(key)
      if (to === from && before.owner(key) !== from) continue
      keys.push(key)
      if (to === from) continue
      moving++
      const pair = `${from}\u0000${to}`
      let batch = open.get(pair)
      if (!batch) {
        batch = {from, to, keys: []}
        open.set(pair, batch)
        batches.push(batch)
      }
      batch.keys.push(key)
      if (batch.keys.length === maxItems) open.delete(pair)
    }
  }
  return {keys, moving, batches}
}
