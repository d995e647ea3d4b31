import {brokenRule, EVENT_TYPES, FieldRule, isNumber, isString, oneOf, optional} from './history-format.js'

/**
 * One event of a history, as Jepsen and Porcupine record them: a process
 * invokes an operation and later completes it with `ok`, `fail` (it did not
 * take effect) or `info` (its outcome is unknown: a timeout, a crash).
 */
export interface KvEvent {
  process: number
  type: 'invoke' | 'ok' | 'fail' | 'info'
  f: 'put' | 'get' | 'cas'
  key: string
  /** put: the value written; get: null on invoke, the value read on ok (null: absent); cas: [expected, new]. */
  value: string | null | [string | null, string]
  /** Milliseconds since the run started. */
  time: number
  error?: string
}

/** One operation, from its invocation to its completion; `end` is Infinity when the outcome is unknown. */
export interface KvOperation {
  process: number
  f: KvEvent['f']
  key: string
  /** What was asked: put's value, cas's [expected, new]. */
  input: KvEvent['value']
  /** What a get returned. */
  output: string | null
  start: number
  end: number
  /** Index of the invocation in the history, to point at it in a report. */
  index: number
}

/**
 * Pairs invocations with completions (each process has one operation open at
 * a time) and keeps the operations that may have taken effect: failed ones
 * did not, and a get whose answer is unknown constrains nothing.
 */
export function operations(history: readonly KvEvent[]): KvOperation[] {
  const open = new Map<number, {event: KvEvent; index: number}>()
  const ops: KvOperation[] = []
  history.forEach((event, index) => {
    if (event.type === 'invoke') {
      if (open.has(event.process)) throw new Error(`history event ${index}: process ${event.process} invokes while an operation is open`)
      open.set(event.process, {event, index})
      return
    }
    const invoke = open.get(event.process)
    if (!invoke) throw new Error(`history event ${index}: process ${event.process} completes an operation it never invoked`)
    open.delete(event.process)
    if (event.type === 'fail' || (event.type === 'info' && event.f === 'get')) return
    ops.push({
      process: event.process,
      f: invoke.event.f,
      key: invoke.event.key,
      input: invoke.event.value,
      output: event.f === 'get' && event.type === 'ok' ? (event.value as string | null) : null,
      start: invoke.event.time,
      end: event.type === 'info' ? Infinity : event.time,
      index: invoke.index,
    })
  })
  // An operation still open when the history ends has an unknown outcome too.
  for (const {event, index} of open.values()) {
    if (event.f !== 'get') ops.push({process: event.process, f: event.f, key: event.key, input: event.value, output: null, start: event.time, end: Infinity, index})
  }
  return ops
}

const isRegisterValue = (v: unknown) => v === null || typeof v === 'string'
const isCasValue = (v: unknown) => Array.isArray(v) && v.length === 2 && isRegisterValue(v[0]) && typeof v[1] === 'string'
const KV_EVENT_RULES: readonly FieldRule[] = [
  ['process', isNumber, 'a number'],
  ['type', oneOf(...EVENT_TYPES), EVENT_TYPES.join(', ')],
  ['f', oneOf('put', 'get', 'cas'), 'put, get or cas'],
  ['key', isString, 'a string'],
  ['time', isNumber, 'a number (ms)'],
  ['error', optional(isString), 'a string'],
]
const KV_VALUE_RULES: Record<KvEvent['f'], FieldRule> = {
  put: ['value', isString, 'a string (the value written)'],
  get: ['value', isRegisterValue, 'a string or null (the value read; null: absent)'],
  cas: ['value', isCasValue, '[expected (string or null), new (string)]'],
}

/** What makes `event` not a KV history event, in words; undefined when it is one. */
export function kvEventProblem(event: Record<string, unknown>): string | undefined {
  return brokenRule(event, KV_EVENT_RULES) ?? brokenRule(event, [KV_VALUE_RULES[event.f as KvEvent['f']]])
}
