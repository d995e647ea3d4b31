import type {Condition, NodeId, ReadRequest, Write} from './types.js'

/** A transaction that reads nothing. */
export const NO_READS: ReadRequest = {reads: [], lockWaitMs: 0}

/**
 * Why a transaction request is malformed, or undefined when it is fine. The
 * node answers 400 with this message; the coordinator refuses to begin
 * anything else (its callers validate first).
 */
export function txnRequestError(writes: readonly Write[], conditions: readonly Condition[], reads: readonly string[] = []): string | undefined {
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
  if (reads.includes('')) return 'a read key is empty'
  if (new Set(reads).size < reads.length) return 'a key is read twice'
  return undefined
}

/** One participant's share of a transaction: the writes and conditions on the keys it owns. */
export interface ParticipantShare {
  writes: Write[]
  conditions: Condition[]
  /** Left out when it reads nothing (as in PrepareMessage). */
  reads?: string[]
}

export function splitByOwner(
  writes: readonly Write[],
  conditions: readonly Condition[],
  ownerOf: (key: string) => NodeId,
  reads: readonly string[] = [],
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
  for (const key of reads) (shareOf(key).reads ??= []).push(key)
  return shares
}
