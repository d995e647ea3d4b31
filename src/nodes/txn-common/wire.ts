import {tooLarge} from '../../runtime/net/http-error.js'
import {messageBatchParser, type Schema} from '../../runtime/net/validate.js'
import type {Message} from '../../core/txn/index.js'

/** Limits on a client's transaction (named in the README); the body limit backs them up. */
export const TXN_LIMITS = {
  keyLength: 256,
  valueLength: 4096,
  writesPerTxn: 64,
  conditionsPerTxn: 128,
  readsPerTxn: 1024,
  /** Up to a default phase-1 timeout (src/core/txn/coordinator.ts). */
  lockWaitMs: 2_000,
  bodyBytes: 1 << 20,
}

const key = {type: 'string', minLength: 1, maxLength: TXN_LIMITS.keyLength} as const
const value = {type: 'string', maxLength: TXN_LIMITS.valueLength} as const

export const txnRequestSchema = {
  writes: {type: 'array', minItems: 1, maxItems: TXN_LIMITS.writesPerTxn, items: {key, value}},
  conditions: {type: 'array', optional: true, maxItems: TXN_LIMITS.conditionsPerTxn, items: {key, value: {...value, nullable: true}}},
  reads: {type: 'strings', optional: true, maxItems: TXN_LIMITS.readsPerTxn, maxLength: TXN_LIMITS.keyLength},
  lockWaitMs: {type: 'int', optional: true, min: 0, max: TXN_LIMITS.lockWaitMs},
} as const

const readValues = {type: 'array', optional: true, maxItems: TXN_LIMITS.readsPerTxn, items: {key, value: {...value, nullable: true}}} as const
const peer = {type: 'string', minLength: 1} as const
const envelope = {txn: {type: 'string', minLength: 1}, from: peer, to: peer} as const

/** Every peer message's fields, by type (src/core/txn/types.ts). */
export const TXN_MESSAGE_SCHEMAS = {
  prepare: {
    ...envelope,
    writes: {type: 'array', maxItems: TXN_LIMITS.writesPerTxn, items: {key, value}},
    conditions: {type: 'array', maxItems: TXN_LIMITS.conditionsPerTxn, items: {key, value: {...value, nullable: true}}},
    reads: {type: 'strings', optional: true, maxItems: TXN_LIMITS.readsPerTxn, maxLength: TXN_LIMITS.keyLength},
    lockWaitMs: {type: 'int', optional: true, min: 0, max: TXN_LIMITS.lockWaitMs},
  },
  commit: envelope,
  abort: envelope,
  'vote-yes': {...envelope, values: readValues},
  'vote-no': {...envelope, reason: {type: 'string', oneOf: ['conflict', 'condition failed']}, detail: {type: 'string'}},
  ack: {...envelope, outcome: {type: 'string', oneOf: ['committed', 'aborted']}},
  query: {...envelope, values: readValues},
} satisfies Record<Message['type'], Schema>

const parseBatch = messageBatchParser(TXN_MESSAGE_SCHEMAS)

/**
 * Peer messages are checked whole before any reaches a core: peers are our
 * own nodes, but a malformed batch must be a 400 that changes nothing, not a
 * crash or a half-applied batch inside a core.
 */
export function parseMessages(body: unknown): Message[] {
  return parseBatch(body) as unknown as Message[]
}

/** The `:key` of `GET /kv/:key`, bounded like a transaction's keys. */
export function kvKey(params: Record<string, string>): string {
  const key = params.key
  if (key.length > TXN_LIMITS.keyLength) throw tooLarge(`key is ${key.length} characters; the limit is ${TXN_LIMITS.keyLength}`)
  return key
}
