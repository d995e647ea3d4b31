import {unreachable} from '../../core/common/invariant.js'
import {compareBallots, type Ballot, type Message, type MessageType, type NodeId} from '../../core/paxos/index.js'
import {badRequest} from '../../runtime/net/http-error.js'
import {messageBatchParser, type Schema} from '../../runtime/net/validate.js'

const peer = {type: 'string', minLength: 1} as const
const slot = {type: 'int', min: 1} as const
const count = {type: 'int', min: 0} as const
const data = {type: 'string'} as const
// Round 0 is the zero ballot, below every ballot a proposer campaigns with: no message carries it.
const ballot = {type: 'object', schema: {round: {type: 'int', min: 1}, node: peer}} as const
const values = {type: 'array', items: {slot, data}} as const
const envelope = {from: peer, to: peer, ballot} as const

/** Every peer message's fields, by type (src/core/paxos/messages.ts). */
export const PAXOS_MESSAGE_SCHEMAS = {
  prepare: {...envelope, fromSlot: slot},
  promise: {...envelope, accepted: {type: 'array', items: {slot, ballot, data}}},
  accept: {...envelope, values, chosen: count, readSeq: count},
  accepted: {...envelope, slots: {type: 'ints', min: 1}, chosen: count, readSeq: count},
  nack: {...envelope, promised: ballot},
  catchUp: {...envelope, values},
  snapshot: {...envelope, snapshot: {type: 'object', schema: {slot, data}}},
} satisfies Record<MessageType, Schema>

/**
 * Whose ballot each message carries (src/core/paxos/paxos.ts): a proposer
 * sends in its own ballot, an acceptor answers in the ballot it was asked
 * in, and a nack names the refused ballot of the proposer it answers. A
 * snapshot is either: a leader's catch-up, or an acceptor's answer to a
 * prepare whose slots it compacted.
 */
const BALLOT_OWNER = {
  prepare: ['from'],
  promise: ['to'],
  accept: ['from'],
  accepted: ['to'],
  nack: ['to'],
  catchUp: ['from'],
  snapshot: ['from', 'to'],
} as const satisfies Record<MessageType, ReadonlyArray<'from' | 'to'>>

/**
 * A peer batch, checked whole before the core sees any of it; throws
 * HttpError 400 (badRequest) naming the first bad field. Peers are trusted
 * (loopback by default), so this guards against malformed bodies and
 * confused peers, not against a lying one: a message of the right shape
 * from a member is believed. Beyond the schemas it checks what no member
 * ever sends: a sender, receiver or ballot owner outside `members`, a
 * message to its sender, a ballot owned by the wrong end (BALLOT_OWNER),
 * a nack whose `promised` is not above the ballot it refused, slots out of
 * order (promise and accept values and accepted slots strictly ascending,
 * catch-up values consecutive). Not checked: whether a promise's values are
 * at or after the prepare's fromSlot (the promise does not say), nor whether
 * their ballots are at or below the promise's (an acceptor that lost power
 * after persisting an accepted value but before its promise comes back
 * below it, and honestly reports the value).
 */
export function paxosMessageParser(members: readonly NodeId[]): (body: unknown) => Message[] {
  const parseBatch = messageBatchParser(PAXOS_MESSAGE_SCHEMAS)
  const known = new Set(members)
  const member = (id: NodeId, where: string): void => {
    if (!known.has(id)) throw badRequest(`${where} ${JSON.stringify(id)} is not a member (${members.join(', ')})`)
  }
  return (body) => {
    const messages = parseBatch(body) as unknown as Message[]
    messages.forEach((m, i) => {
      const at = `messages[${i}]`
      member(m.from, `${at}.from`)
      member(m.to, `${at}.to`)
      if (m.from === m.to) throw badRequest(`${at}.to must differ from its from (${m.from}): no node messages itself`)
      member(m.ballot.node, `${at}.ballot.node`)
      const owners = BALLOT_OWNER[m.type]
      if (!owners.some((end) => m[end] === m.ballot.node)) {
        throw badRequest(`${at}.ballot.node must be ${owners.map((end) => `${end} (${m[end]})`).join(' or ')}: a ${m.type} carries that node's ballot`)
      }
      checkBody(m, at, member)
    })
    return messages
  }
}

/** The checks of one message type that its schema cannot express. */
function checkBody(m: Message, at: string, member: (id: NodeId, where: string) => void): void {
  switch (m.type) {
    case 'prepare':
    case 'snapshot':
      return
    case 'promise':
      m.accepted.forEach((v, j) => member(v.ballot.node, `${at}.accepted[${j}].ballot.node`))
      return ascending(m.accepted.map((v) => v.slot), (j) => `${at}.accepted[${j}].slot`)
    case 'accept':
      return ascending(m.values.map((v) => v.slot), (j) => `${at}.values[${j}].slot`)
    case 'accepted':
      return ascending(m.slots, (j) => `${at}.slots[${j}]`)
    case 'nack':
      member(m.promised.node, `${at}.promised.node`)
      if (compareBallots(m.promised, m.ballot) <= 0) throw badRequest(`${at}.promised ${show(m.promised)} must be above the ballot it refused, ${show(m.ballot)}`)
      return
    case 'catchUp':
      return m.values.forEach((v, j) => {
        const expected = m.values[0].slot + j
        if (v.slot !== expected) throw badRequest(`${at}.values[${j}].slot must be ${expected} (catch-up values are consecutive)`)
      })
    default:
      return unreachable(m)
  }
}

function ascending(slots: readonly number[], where: (j: number) => string): void {
  for (let j = 1; j < slots.length; j++) {
    if (slots[j] <= slots[j - 1]) throw badRequest(`${where(j)} must be above ${slots[j - 1]} (slots strictly ascending)`)
  }
}

const show = (b: Ballot): string => `(${b.round}, ${b.node})`
