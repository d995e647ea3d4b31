import type {Placement} from '../ring/index.js'

/** Where the router sends a key: to its one owner, or, during a migration, between the old and the new owner. */
export type KeyRoute = {type: 'owned'; shard: string} | {type: 'moving'; from: string; to: string}

/** `next` is the placement being migrated to, null when no migration runs. */
export function routeKey(key: string, current: Placement, next: Placement | null): KeyRoute {
  const from = current.owner(key)
  if (next === null) return {type: 'owned', shard: from}
  const to = next.owner(key)
  return from === to ? {type: 'owned', shard: from} : {type: 'moving', from, to}
}
