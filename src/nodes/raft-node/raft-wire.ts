import type {Message, MessageType} from '../../core/raft/index.js'
import {badRequest} from '../../runtime/net/http-error.js'
import {messageBatchParser, type Schema} from '../../runtime/net/validate.js'
import type {PeerWire} from '../replica/peer-transport.js'

const peer = {type: 'string', minLength: 1} as const
const index = {type: 'int', min: 0} as const
const envelope = {from: peer, to: peer, term: index} as const
const context = {type: 'string', nullable: true} as const
const leaderTick = {type: 'int', min: 0} as const

/** Every peer message's fields, by type (src/core/raft/messages.ts). */
export const RAFT_MESSAGE_SCHEMAS = {
  appendEntries: {...envelope, prevIndex: index, prevTerm: index, entries: {type: 'array', items: {index, term: index, data: {type: 'string'}}}, commit: index},
  appendEntriesResponse: {...envelope, index, reject: {type: 'boolean'}, hintIndex: index, hintTerm: index},
  heartbeat: {...envelope, commit: index, context, leaderTick},
  heartbeatResponse: {...envelope, context, leaderTick},
  voteRequest: {...envelope, preVote: {type: 'boolean'}, lastIndex: index, lastTerm: index},
  voteResponse: {...envelope, preVote: {type: 'boolean'}, granted: {type: 'boolean'}},
  installSnapshot: {...envelope, snapshot: {type: 'object', schema: {index, term: index, peers: {type: 'strings'}, data: {type: 'string'}}}},
  readIndex: {...envelope, requestId: {type: 'string'}},
  readIndexResponse: {...envelope, requestId: {type: 'string'}, index},
} satisfies Record<MessageType, Schema>

const parseBatch = messageBatchParser(RAFT_MESSAGE_SCHEMAS)

/**
 * A peer batch, checked whole before the core sees any of it. Peers are
 * trusted (loopback by default), so this guards against malformed bodies, not
 * against a lying peer: a message of the right shape is believed. It also
 * checks what the core assumes of AppendEntries and cannot check cheaply:
 * entries are consecutive from prevIndex + 1 and no newer than the sender's term.
 */
export function parseRaftMessages(body: unknown): Message[] {
  const messages = parseBatch(body) as unknown as Message[]
  messages.forEach((m, i) => {
    if (m.type !== 'appendEntries') return
    m.entries.forEach((e, j) => {
      if (e.index !== m.prevIndex + 1 + j) throw badRequest(`messages[${i}].entries[${j}].index must be ${m.prevIndex + 1 + j} (consecutive from prevIndex + 1)`)
      if (e.term > m.term) throw badRequest(`messages[${i}].entries[${j}].term ${e.term} is newer than the message's term ${m.term}`)
    })
  })
  return messages
}

/** Where Raft peers POST each other's messages: `{"messages": Message[]}`. */
export const RAFT_MESSAGES_PATH = '/raft/messages'

export const RAFT_WIRE: PeerWire<Message> = {path: RAFT_MESSAGES_PATH, parse: parseRaftMessages}
