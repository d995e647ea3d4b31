import {tooLarge} from '../net/http-error.js'
import {RING_LIMITS} from '../../core/ring-live/limits.js'

/** Body fields of the ring's KV API, bounded by RING_LIMITS (over the limit: 413). */
export const keyField = {type: 'string', minLength: 1, maxLength: RING_LIMITS.keyLength} as const
export const valueField = {type: 'string', maxLength: RING_LIMITS.valueLength} as const

/** The `:key` of `/kv/:key`, refused with 413 when over the key limit. */
export function pathKey(params: Record<string, string>): string {
  const key = params.key
  if (key.length > RING_LIMITS.keyLength) throw tooLarge(`key is ${key.length} characters; the limit is ${RING_LIMITS.keyLength}`)
  return key
}
