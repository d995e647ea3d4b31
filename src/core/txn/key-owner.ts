import {hashKey} from '../ring/hash.js'
import type {NodeId} from './types.js'

/**
 * The one place keys are assigned to participants: xxHash32 of the key modulo
 * the number of participants, in sorted-name order, so the coordinator, the
 * benchmark and the tests agree on every key's owner. Static partitioning:
 * the participant set of a cluster never changes.
 */
export function keyOwner(participants: readonly NodeId[]): (key: string) => NodeId {
  const sorted = [...participants].sort()
  if (sorted.length === 0) throw new Error('a transaction cluster needs at least one participant')
  return (key) => sorted[hashKey(key) % sorted.length]
}
