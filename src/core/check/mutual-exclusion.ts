import {Anomaly, aroundMarked} from './anomaly.js'
import {brokenRule, EVENT_TYPES, FieldRule, isNumber, isString, oneOf, optional} from './history-format.js'
import {historyOrigin, pairOperations} from './history-operations.js'

/**
 * One event of a lock history: a process invokes acquire, write or release
 * and completes it with `ok`, `fail` or `info` (unknown: the server went
 * away). An acquire fails when no grant came within the wait, a release when
 * the lease was lost. A write goes to the protected resource while the
 * process believes it holds the lock: `ok` when the resource accepted it,
 * `fail` when it fenced it off (its token was below the highest it had seen).
 */
export interface LockEvent {
  process: number
  type: 'invoke' | 'ok' | 'fail' | 'info'
  f: 'acquire' | 'write' | 'release'
  lock: string
  /** The fencing token: of the grant on an acquire's ok, of the grant held on a write or release; null where the target gives none (Redis). */
  token: number | null
  /** An acquire's ok: when the lease ends, in server wall-clock ms (the server shares this machine's clock). */
  expiresAt?: number
  /** Wall-clock ms. */
  time: number
  error?: string
}

export interface LockViolation {
  kind: 'overlap' | 'token order' | 'duplicate token' | 'stale write'
  lock: string
  /** Times in ms since the history's first event. */
  detail: string
  /** The 1-based history lines of the invocations of the operations involved. */
  lines: number[]
}

export interface LockCheckResult {
  grants: number
  violations: LockViolation[]
}

interface GrantSpan {
  process: number
  token: number | null
  /** When the acquire was sent and when its grant arrived. */
  invoked: number
  granted: number
  expiresAt: number
  /** When the release was sent; Infinity if it never was. The server freed the lock no earlier. */
  releaseSent: number
  /** The history line of the acquire's invocation. */
  line: number
}

type TokenSpan = GrantSpan & {token: number}
const hasToken = (span: GrantSpan): span is TokenSpan => span.token !== null

interface ResourceWrite {
  span: GrantSpan
  sent: number
  line: number
}

/**
 * How far the clocks of a history's lease ends (the server's) and of its
 * event times (the client's) may disagree: they are one machine's wall clock,
 * read by different processes. A grant that arrived within this of the
 * previous lease's end may have come after it (the expiry hands a lock on at
 * that very moment), so only an earlier one is proof of an overlap.
 */
const CLOCK_UNCERTAINTY_MS = 1

/** Until when the history proves `span` held its lock: neither released nor (by any clock within the uncertainty) expired before then. */
const heldUntil = (span: GrantSpan) => Math.min(span.releaseSent, span.expiresAt - CLOCK_UNCERTAINTY_MS)

/**
 * Checks a lock history for what a lock with fencing tokens promises, using
 * only what the history proves (each grant happened between its acquire's
 * invocation and completion; the lock was freed no earlier than the release
 * was sent or the lease ended):
 * - overlap: a grant arrived before the previous holder (by token; by arrival
 *   where the target gives no tokens) had sent its release and before that
 *   holder's lease ended: two holders at once;
 * - token order: a grant that arrived before another acquire was even sent
 *   has a higher token than that later grant;
 * - duplicate token: one token granted twice on a lock;
 * - stale write: the protected resource accepted a write sent after the lock
 *   had passed to another holder, as a client whose lease ran out during a
 *   pause sends it when nothing fences it off: it overwrites the newer
 *   holder's work (Kleppmann, "How to do distributed locking").
 */
export function checkLockHistory(history: readonly LockEvent[]): LockCheckResult {
  const origin = historyOrigin(history)
  const at = (ms: number) => (ms === Infinity ? 'never' : `${(ms - origin).toFixed(1)} ms`)
  const grant = (span: GrantSpan) => (span.token === null ? 'a grant (no token)' : `token ${span.token}`)
  const spans = new Map<string, GrantSpan[]>()
  const writes = new Map<string, ResourceWrite[]>()
  const open = new Map<number, {event: LockEvent; line: number}>()
  // `${process}/${lock}/${token}` → its span; a process holds one grant of a lock at a time, so a null token names it too.
  const holding = new Map<string, GrantSpan>()
  history.forEach((event, index) => {
    const held = () => holding.get(`${event.process}/${event.lock}/${event.token}`)
    if (event.type === 'invoke') {
      open.set(event.process, {event, line: index + 1})
      const span = event.f === 'release' ? held() : undefined
      if (span) span.releaseSent = Math.min(span.releaseSent, event.time)
      return
    }
    const invoke = open.get(event.process)
    open.delete(event.process)
    if (!invoke || event.type !== 'ok') return
    if (event.f === 'write') {
      const span = held()
      if (span) listIn(writes, event.lock).push({span, sent: invoke.event.time, line: invoke.line})
      return
    }
    if (event.f !== 'acquire') return
    const span: GrantSpan = {process: event.process, token: event.token, invoked: invoke.event.time, granted: event.time, expiresAt: event.expiresAt ?? Infinity, releaseSent: Infinity, line: invoke.line}
    holding.set(`${event.process}/${event.lock}/${event.token}`, span)
    listIn(spans, event.lock).push(span)
  })

  const violations: LockViolation[] = []
  let grants = 0
  for (const [lock, list] of spans) {
    grants += list.length
    const tokened = list.filter(hasToken)
    const byToken = [...tokened].sort((a, b) => a.token - b.token)
    // Holders in the order the lock passed between them: by token, or by arrival where there are none.
    const byGrant = [...list].sort((a, b) => a.granted - b.granted)
    const passed = tokened.length === list.length ? byToken : byGrant
    for (let i = 1; i < passed.length; i++) {
      const [before, after] = [passed[i - 1], passed[i]]
      if (before.token !== null && before.token === after.token) {
        violations.push({kind: 'duplicate token', lock, detail: `token ${after.token} granted to processes ${before.process} and ${after.process}`, lines: [before.line, after.line]})
      } else if (after.granted < heldUntil(before)) {
        violations.push({
          kind: 'overlap',
          lock,
          detail: `${grant(after)} reached process ${after.process} at ${at(after.granted)}, while process ${before.process} still held ${grant(before)}: ${before.releaseSent === Infinity ? 'it never sent a release' : `its release was sent at ${at(before.releaseSent)}`} and ${before.expiresAt === Infinity ? 'the history has no end of its lease' : `its lease ran to ${at(before.expiresAt)}`}`,
          lines: [before.line, after.line],
        })
      }
    }
    // Real-time order: walk acquires by invocation, knowing the highest token granted before each began.
    const tokensByGrant = byGrant.filter(hasToken)
    let g = 0
    let highest: TokenSpan | undefined
    for (const span of [...tokened].sort((a, b) => a.invoked - b.invoked)) {
      for (; g < tokensByGrant.length && tokensByGrant[g].granted < span.invoked; g++) if (!highest || tokensByGrant[g].token > highest.token) highest = tokensByGrant[g]
      if (highest && highest.token > span.token) {
        violations.push({
          kind: 'token order',
          lock,
          detail: `token ${span.token} went to process ${span.process}, whose acquire was sent at ${at(span.invoked)}, after the higher token ${highest.token} had reached process ${highest.process} at ${at(highest.granted)}`,
          lines: [highest.line, span.line],
        })
      }
    }
    // Stale writes: an accepted write sent after a grant that arrived later than the writer's own. Either that grant came
    // after the writer's (the lock had passed on) or before it, and then both held the lock at once: an overlap either way.
    for (const w of writes.get(lock) ?? []) {
      let i = firstArrivedAfter(byGrant, w.span.granted)
      while (i < byGrant.length && byGrant[i].granted < w.sent && byGrant[i].granted >= heldUntil(byGrant[i])) i++
      const later = byGrant[i]
      if (!later || later.granted >= w.sent) continue
      violations.push({
        kind: 'stale write',
        lock,
        detail: `the resource accepted a write with ${grant(w.span)} from process ${w.span.process}, sent at ${at(w.sent)} when its lease had run to ${at(w.span.expiresAt)}, after ${grant(later)} had reached process ${later.process} at ${at(later.granted)} (${later.releaseSent === Infinity ? 'never released' : `its release sent at ${at(later.releaseSent)}`}): the lock had passed on`,
        lines: [w.span.line, later.line, w.line],
      })
    }
  }
  return {grants, violations}
}

/** The list under `key`, made when missing. */
function listIn<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key)
  if (!list) map.set(key, (list = []))
  return list
}

/** The index of the first span of `byGrant` (sorted by arrival) whose grant arrived after `time`; the length when none did. */
function firstArrivedAfter(byGrant: readonly GrantSpan[], time: number): number {
  let [lo, hi] = [0, byGrant.length]
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (byGrant[mid].granted <= time) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** What the protected resource did with the writes of a history: tokens fence only where the grants carried them. */
export interface ResourceWrites {
  /** Every grant carried a fencing token (false when nothing was granted). */
  fencing: boolean
  accepted: number
  /** Writes fenced off: their token was below the highest the resource had seen on that lock. */
  staleRejected: number
}

export function resourceWrites(history: readonly LockEvent[]): ResourceWrites {
  const grants = history.filter((e) => e.f === 'acquire' && e.type === 'ok')
  const written = (type: LockEvent['type']) => history.filter((e) => e.f === 'write' && e.type === type).length
  return {fencing: grants.length > 0 && grants.every((e) => e.token !== null), accepted: written('ok'), staleRejected: written('fail')}
}

const LOCK_EVENT_RULES: readonly FieldRule[] = [
  ['process', isNumber, 'a number'],
  ['type', oneOf(...EVENT_TYPES), EVENT_TYPES.join(', ')],
  ['f', oneOf('acquire', 'write', 'release'), 'acquire, write or release'],
  ['lock', isString, 'a string'],
  ['token', (v) => v === null || isNumber(v), 'a number or null (the fencing token)'],
  ['expiresAt', optional(isNumber), 'a number (ms)'],
  ['time', isNumber, 'a number (ms)'],
  ['error', optional(isString), 'a string'],
]

/** What makes `event` not a lock history event, in words; undefined when it is one. */
export function lockEventProblem(event: Record<string, unknown>): string | undefined {
  return brokenRule(event, LOCK_EVENT_RULES)
}

/** The first violation as the report's anomaly: the operations involved marked among the lock's operations around them. */
export function lockAnomaly(history: readonly LockEvent[], result: LockCheckResult): Anomaly | undefined {
  const v = result.violations[0]
  if (!v) return undefined
  const ops = pairOperations(history).filter((op) => op.invoke.lock === v.lock)
  const more = result.violations.length > 1 ? ` (the first of ${result.violations.length} violations)` : ''
  return {
    key: v.lock,
    explanation: `${v.kind} on lock ${v.lock}${more}: ${v.detail}`,
    operations: aroundMarked(ops, (op) => v.lines.includes(op.line), historyOrigin(history), (op) =>
      op.invoke.f === 'acquire' ? {input: op.invoke.lock, output: tokenText(op.completion?.token ?? null)} : {input: tokenText(op.invoke.token)},
    ),
  }
}

const tokenText = (token: number | null) => (token === null ? 'no token' : `token ${token}`)
