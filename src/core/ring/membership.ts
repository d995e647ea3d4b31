import {PlacementInputError} from './placement.js'

/** Node ids as dsys names them: n0, n1, …; `first` continues a numbering. */
export function nodeIds(count: number, first = 0): string[] {
  return Array.from({length: count}, (_, i) => `n${first + i}`)
}

/** The next free number after every `n<number>` id in the list (0 when none). */
export function nextNodeNumber(nodes: readonly string[]): number {
  let next = 0
  for (const node of nodes) {
    const match = /^n(\d+)$/.exec(node)
    if (match) next = Math.max(next, Number(match[1]) + 1)
  }
  return next
}

export interface MembershipChange {
  add: readonly string[]
  remove: readonly string[]
}

/**
 * The node list after a change, keeping every survivor's position where it
 * can. That position is jump hash's bucket number (the other algorithms do
 * not depend on list order), so: an added node first takes the slot of a
 * removed one (then only the removed node's keys move); a slot still empty is
 * filled by the last node (swap-with-last: that node's keys move too, the
 * price of removing a non-last jump bucket); remaining added nodes are
 * appended. Throws PlacementInputError when a removed id is not a member, an
 * added id already is, or no node would remain.
 */
export function nextMembership(before: readonly string[], change: MembershipChange): string[] {
  const members = new Set(before)
  const removing = new Set<string>()
  for (const id of change.remove) {
    if (!members.has(id)) throw new PlacementInputError(`cannot remove node "${id}": it is not one of ${describe(before)}`)
    if (removing.has(id)) throw new PlacementInputError(`node "${id}" is listed for removal twice`)
    removing.add(id)
  }
  const adding = new Set<string>()
  for (const id of change.add) {
    if (id === '') throw new PlacementInputError('node ids must be non-empty')
    if (members.has(id) || adding.has(id)) throw new PlacementInputError(`cannot add node "${id}": it is already a member`)
    adding.add(id)
  }
  if (before.length - removing.size + adding.size < 1) {
    throw new PlacementInputError(`removing ${removing.size} of ${before.length} nodes would leave none`)
  }
  const slots: (string | null)[] = before.map((id) => (removing.has(id) ? null : id))
  const toAdd = [...change.add]
  for (let s = 0; s < slots.length && toAdd.length > 0; s++) {
    if (slots[s] === null) slots[s] = toAdd.shift() ?? null
  }
  for (let hole = slots.indexOf(null); hole >= 0; hole = slots.indexOf(null)) {
    const last = slots.pop() ?? null
    if (last !== null && hole < slots.length) slots[hole] = last
  }
  return [...(slots as string[]), ...toAdd]
}

function describe(nodes: readonly string[]): string {
  return nodes.length <= 8 ? nodes.join(', ') : `${nodes.slice(0, 4).join(', ')}, …, ${nodes.slice(-2).join(', ')}`
}
