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
  detail: string
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
        violations.push({kind: 'duplicate token', lock, detail: `token ${after.token} granted to processes ${before.process} and ${after.process}`})
      } else if (after.granted < Math.min(before.releaseSent, before.expiresAt)) {
        violations.push({
          kind: 'overlap',
          lock,
          detail: `token ${after.token} reached process ${after.process} at ${after.granted}, before token ${before.token} of process ${before.process} was released (sent ${before.releaseSent}) or expired (${before.expiresAt})`,
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
        violations.push({kind: 'token order', lock, detail: `token ${span.token} was granted to an acquire sent after token ${highest.token} had been granted`})
      }
    }
  }
  return {grants, violations}
}
