import {Anomaly, aroundMarked} from './anomaly.js'
import {brokenRule, EVENT_TYPES, FieldRule, isNumber, isString, oneOf, optional} from './history-format.js'
import {historyOrigin, PairedOperation, pairOperations} from './history-operations.js'

/**
 * One event of a lock history: a process invokes acquire or release and
 * completes it with `ok`, `fail` (no grant within the wait; a release refused
 * because the lease was lost) or `info` (unknown: the server went away).
 */
export interface LockEvent {
  process: number
  type: 'invoke' | 'ok' | 'fail' | 'info'
  f: 'acquire' | 'release'
  lock: string
  /** The fencing token: of the grant on an acquire's ok, of the grant being released on a release. */
  token: number | null
  /** An acquire's ok: when the lease ends, in server wall-clock ms (the server shares this machine's clock). */
  expiresAt?: number
  /** Wall-clock ms. */
  time: number
  error?: string
}

export interface LockViolation {
  kind: 'overlap' | 'token order' | 'duplicate token'
  lock: string
  /** Times in ms since the history's first event. */
  detail: string
  /** The grants involved, by token. */
  tokens: number[]
}

export interface LockCheckResult {
  grants: number
  violations: LockViolation[]
}

interface GrantSpan {
  process: number
  token: number
  /** When the acquire was sent and when its grant arrived. */
  invoked: number
  granted: number
  expiresAt: number
  /** When the release was sent; Infinity if it never was. The server freed the lock no earlier. */
  releaseSent: number
}

/**
 * Checks a lock history for what fencing tokens promise, using only what the
 * history proves (each grant happened between its acquire's invocation and
 * completion; the lock was freed no earlier than the release was sent or the
 * lease ended):
 * - overlap: a grant arrived before the previous holder (by token) had sent
 *   its release and before that holder's lease ended: two holders at once;
 * - token order: a grant that arrived before another acquire was even sent
 *   has a higher token than that later grant;
 * - duplicate token: one token granted twice on a lock.
 */
export function checkLockHistory(history: readonly LockEvent[]): LockCheckResult {
  const origin = historyOrigin(history)
  const at = (ms: number) => (ms === Infinity ? 'never' : `${(ms - origin).toFixed(1)} ms`)
  const spans = new Map<string, GrantSpan[]>()
  const open = new Map<number, LockEvent>()
  const holding = new Map<string, GrantSpan>() // `${process}/${lock}/${token}` → its span
  for (const event of history) {
    if (event.type === 'invoke') {
      open.set(event.process, event)
      if (event.f === 'release') {
        const span = holding.get(`${event.process}/${event.lock}/${event.token}`)
        if (span) span.releaseSent = Math.min(span.releaseSent, event.time)
      }
      continue
    }
    const invoke = open.get(event.process)
    open.delete(event.process)
    if (!invoke || event.f !== 'acquire' || event.type !== 'ok' || event.token === null) continue
    const span: GrantSpan = {process: event.process, token: event.token, invoked: invoke.time, granted: event.time, expiresAt: event.expiresAt ?? Infinity, releaseSent: Infinity}
    holding.set(`${event.process}/${event.lock}/${event.token}`, span)
    let list = spans.get(event.lock)
    if (!list) spans.set(event.lock, (list = []))
    list.push(span)
  }

  const violations: LockViolation[] = []
  let grants = 0
  for (const [lock, list] of spans) {
    grants += list.length
    const byToken = [...list].sort((a, b) => a.token - b.token)
    for (let i = 1; i < byToken.length; i++) {
      const [before, after] = [byToken[i - 1], byToken[i]]
      if (before.token === after.token) {
        violations.push({kind: 'duplicate token', lock, detail: `token ${after.token} granted to processes ${before.process} and ${after.process}`, tokens: [after.token]})
      } else if (after.granted < Math.min(before.releaseSent, before.expiresAt)) {
        violations.push({
          kind: 'overlap',
          lock,
          detail: `token ${after.token} reached process ${after.process} at ${at(after.granted)}, while process ${before.process} still held token ${before.token}: ${before.releaseSent === Infinity ? 'it never sent a release' : `its release was sent at ${at(before.releaseSent)}`} and ${before.expiresAt === Infinity ? 'the history has no end of its lease' : `its lease ran to ${at(before.expiresAt)}`}`,
          tokens: [before.token, after.token],
        })
      }
    }
    // Real-time order: walk acquires by invocation, knowing the highest token granted before each began.
    const byGrant = [...list].sort((a, b) => a.granted - b.granted)
    let g = 0
    let highest: GrantSpan | undefined
    for (const span of [...list].sort((a, b) => a.invoked - b.invoked)) {
      for (; g < byGrant.length && byGrant[g].granted < span.invoked; g++) if (!highest || byGrant[g].token > highest.token) highest = byGrant[g]
      if (highest && highest.token > span.token) {
        violations.push({
          kind: 'token order',
          lock,
          detail: `token ${span.token} went to process ${span.process}, whose acquire was sent at ${at(span.invoked)}, after the higher token ${highest.token} had reached process ${highest.process} at ${at(highest.granted)}`,
          tokens: [highest.token, span.token],
        })
      }
    }
  }
  return {grants, violations}
}

const LOCK_EVENT_RULES: readonly FieldRule[] = [
  ['process', isNumber, 'a number'],
  ['type', oneOf(...EVENT_TYPES), EVENT_TYPES.join(', ')],
  ['f', oneOf('acquire', 'release'), 'acquire or release'],
  ['lock', isString, 'a string'],
  ['token', (v) => v === null || isNumber(v), 'a number or null (the fencing token)'],
  ['expiresAt', optional(isNumber), 'a number (ms)'],
  ['time', isNumber, 'a number (ms)'],
  ['error', optional(isString), 'a string'],
]

/** What makes `event` not a lock history event, in words; undefined when it is one. A granted acquire and every release carry their token. */
export function lockEventProblem(event: Record<string, unknown>): string | undefined {
  const broken = brokenRule(event, LOCK_EVENT_RULES)
  if (broken) return broken
  const needsToken = event.f === 'release' || (event.type === 'ok' && event.f === 'acquire')
  return needsToken && event.token === null ? `${event.f === 'release' ? 'a release' : 'a granted acquire (ok)'} must carry its token, not null` : undefined
}

/** The first violation as the report's anomaly: the grants involved marked among the lock's operations around them. */
export function lockAnomaly(history: readonly LockEvent[], result: LockCheckResult): Anomaly | undefined {
  const v = result.violations[0]
  if (!v) return undefined
  const ops = pairOperations(history).filter((op) => op.invoke.lock === v.lock)
  const granted = (op: PairedOperation<LockEvent>) => (op.invoke.f === 'acquire' && op.completion?.type === 'ok' ? op.completion.token : null)
  const more = result.violations.length > 1 ? ` (the first of ${result.violations.length} violations)` : ''
  return {
    key: v.lock,
    explanation: `${v.kind} on lock ${v.lock}${more}: ${v.detail}`,
    operations: aroundMarked(ops, (op) => v.tokens.includes(granted(op) ?? NaN), historyOrigin(history), (op) =>
      op.invoke.f === 'acquire' ? {input: op.invoke.lock, output: `token ${granted(op)}`} : {input: `token ${op.invoke.token}`},
    ),
  }
}
