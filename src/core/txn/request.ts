import type {Condition, NodeId, Write} from './types.js'

/**
 * Why a transaction request is malformed, or undefined when it is fine. The
 * node answers 400 with this message; the coordinator refuses to begin
 * anything else (its callers validate first).
 */
export function txnRequestError(writes: readonly Write[], conditions: readonly Condition[]): string | undefined {
  if (writes.length === 0) return 'a transaction needs at least one write'
  const written = new Set<string>()
  for (const w of writes) {
    if (written.has(w.key)) return `key "${w.key}" is written twice`
    written.add(w.key)
  }
  const checked = new Set<string>()
  for (const c of conditions) {
    if (checked.has(c.key)) return `key "${c.key}" has two conditions`
    checked.add(c.key)
  }
  return undefined
}

/** One participant's share of a transaction: the writes and conditions on the keys it owns. */
export interface ParticipantShare {
  writes: Write[]
  conditions: Condition[]
}

export function splitByOwner(
  writes: readonly Write[],
  conditions: readonly Condition[],
  ownerOf: (key: string) => NodeId,
): Map<NodeId, ParticipantShare> {
  const shares = new Map<NodeId, ParticipantShare>()
  const shareOf = (key: string): ParticipantShare => {
    const owner = ownerOf(key)
    let share = shares.get(owner)
    if (!share) {
      share = {writes: [], conditions: []}
      shares.set(owner, share)
    }
    return share
  }
  for (const w of writes) shareOf(w.key).writes.push(w)
  for (const c of conditions) shareOf(c.key).conditions.push(c)
  return shares
}
