import {badRequest, tooLarge} from '../../core/net/http-error.js'
import type {Message} from '../../core/txn/index.js'

/** Limits on a client's transaction (named in the README); the body limit backs them up. */
export const TXN_LIMITS = {
  keyLength: 256,
  valueLength: 4096,
  writesPerTxn: 64,
  conditionsPerTxn: 128,
  bodyBytes: 1 << 20,
}

const key = {type: 'string', minLength: 1, maxLength: TXN_LIMITS.keyLength} as const
const value = {type: 'string', maxLength: TXN_LIMITS.valueLength} as const

export const txnRequestSchema = {
  writes: {type: 'array', minItems: 1, maxItems: TXN_LIMITS.writesPerTxn, items: {key, value}},
  conditions: {type: 'array', optional: true, maxItems: TXN_LIMITS.conditionsPerTxn, items: {key, value: {...value, nullable: true}}},
} as const

const messageTypes = new Set<string>(['prepare', 'commit', 'abort', 'vote-yes', 'vote-no', 'ack', 'query'])

/**
 * Peer messages are checked for shape only (peers are our own nodes, but a
 * malformed batch must be a 400, not a crash inside a core).
 */
export function parseMessages(body: unknown): Message[] {
  const messages = (body as {messages?: unknown} | undefined)?.messages
  if (!Array.isArray(messages)) throw badRequest('body must be {"messages": [...]}')
  return messages.map((m: unknown, i) => {
    const r = (m ?? {}) as Record<string, unknown>
    if (!messageTypes.has(r.type as string) || typeof r.txn !== 'string' || typeof r.from !== 'string' || typeof r.to !== 'string') {
      throw badRequest(`messages[${i}] is not a txn message`)
    }
    if (r.type === 'prepare' && (!Array.isArray(r.writes) || !Array.isArray(r.conditions))) throw badRequest(`messages[${i}]: prepare needs writes and conditions`)
    return m as Message
  })
}

/** The `:key` of `GET /kv/:key`, bounded like a transaction's keys. */
export function kvKey(params: Record<string, string>): string {
  const key = params.key
  if (key.length > TXN_LIMITS.keyLength) throw tooLarge(`key is ${key.length} characters; the limit is ${TXN_LIMITS.keyLength}`)
  return key
}
