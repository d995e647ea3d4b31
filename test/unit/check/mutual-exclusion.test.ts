import {describe, expect, test} from 'vitest'

import {checkLockHistory, lockAnomaly, LockEvent, resourceWrites} from '../../../src/core/check/mutual-exclusion.js'

/** A hold: [process, token, acquire sent, grant arrived, lease end, release sent (undefined: never)]. */
type Hold = [number, number, number, number, number, number | undefined]

function history(...holds: Hold[]): LockEvent[] {
  const events: LockEvent[] = []
  for (const [process, token, sent, granted, expiresAt, released] of holds) {
    events.push({process, type: 'invoke', f: 'acquire', lock: 'l', token: null, time: sent})
    events.push({process, type: 'ok', f: 'acquire', lock: 'l', token, expiresAt, time: granted})
    if (released !== undefined) {
      events.push({process, type: 'invoke', f: 'release', lock: 'l', token, time: released})
      events.push({process, type: 'ok', f: 'release', lock: 'l', token, time: released + 1})
    }
  }
  return events.sort((a, b) => a.time - b.time)
}

const kinds = (events: LockEvent[]) => checkLockHistory(events).violations.map((v) => v.kind)

describe('checkLockHistory', () => {
  test('holders one after another, each granted after the last released, pass', () => {
    expect(kinds(history([1, 1, 0, 1, 1000, 5], [2, 2, 2, 7, 1007, 9], [1, 3, 8, 11, 1011, 12]))).toEqual([])
  })

  test('a grant after the previous lease expired passes even if that holder never released', () => {
    expect(kinds(history([1, 1, 0, 1, 100, undefined], [2, 2, 2, 150, 1150, 160]))).toEqual([])
  })

  test('a grant that arrived while the previous holder had neither released nor expired is an overlap', () => {
    const result = checkLockHistory(history([1, 1, 0, 1, 1000, 50], [2, 2, 2, 20, 1020, 30]))
    expect(result.violations).toEqual([expect.objectContaining({kind: 'overlap', lock: 'l'})])
  })

  test('a grant that arrived within the clock uncertainty of the previous lease end is not accused: the expiry may have handed it on', () => {
    // Process 1 never released; its lease ran to 100.6 by the server's clock, and the next grant reached process 2 at 100.0 by the client's.
    expect(kinds(history([1, 1, 0, 1, 100.6, undefined], [2, 2, 2, 100, 1100, 150]))).toEqual([])
    expect(kinds(history([1, 1, 0, 1, 100.6, undefined], [2, 2, 2, 99, 1100, 150]))).toEqual(['overlap'])
  })

  test('a grant concurrent with the previous release is not accused', () => {
    // The release was sent at 10; the server may have freed the lock then, before the grant arrived at 11.
    expect(kinds(history([1, 1, 0, 1, 1000, 10], [2, 2, 2, 11, 1011, 20]))).toEqual([])
  })

  test('a lower token granted to an acquire sent after a higher one was granted breaks token order', () => {
    expect(kinds(history([1, 5, 0, 1, 10, 2], [2, 3, 20, 21, 30, 22]))).toContain('token order')
  })

  test('one token granted twice is caught', () => {
    expect(kinds(history([1, 4, 0, 1, 10, 2], [2, 4, 20, 21, 30, 22]))).toContain('duplicate token')
  })

  test('locks are checked apart', () => {
    const a = history([1, 1, 0, 1, 1000, 50])
    const b = history([2, 2, 2, 20, 1020, 30]).map((e) => ({...e, lock: 'other'}))
    expect(checkLockHistory([...a, ...b].sort((x, y) => x.time - y.time))).toEqual({grants: 2, violations: []})
  })
})

/** A write to the protected resource: [process, token, sent, accepted]. */
type Write = [number, number | null, number, boolean]

function withWrites(events: LockEvent[], ...writes: Write[]): LockEvent[] {
  const added = writes.flatMap(([process, token, sent, accepted]): LockEvent[] => [
    {process, type: 'invoke', f: 'write', lock: 'l', token, time: sent},
    {process, type: accepted ? 'ok' : 'fail', f: 'write', lock: 'l', token, time: sent},
  ])
  // Stable: a write sent at a release's time stays before it, as the client sends them.
  const rank = (e: LockEvent) => (e.f === 'write' ? 0 : 1)
  return [...events, ...added].sort((a, b) => a.time - b.time || rank(a) - rank(b))
}

/** Process 1 holds token 1 to 100 and pauses past it; process 2 is granted token 2 at 150 and releases at 400; process 1 then writes at `writeAt`. */
function pausedHolder(writeAt: number, accepted: boolean, tokens = true): LockEvent[] {
  const events = withWrites(history([1, 1, 0, 1, 100, writeAt + 5], [2, 2, 2, 150, 1150, 400]), [1, 1, writeAt, accepted])
  return tokens ? events : events.map((e) => ({...e, token: null}))
}

describe('checkLockHistory: writes to the protected resource', () => {
  test('a stale write accepted after the lease ended, while another holder held the lock, is a violation', () => {
    const result = checkLockHistory(pausedHolder(300, true))
    expect(result.violations).toEqual([expect.objectContaining({kind: 'stale write', lock: 'l'})])
    expect(result.violations[0].detail).toMatch(/accepted a write with token 1 from process 1, sent at 300\.0 ms when its lease had run to 100\.0 ms, after token 2 had reached process 2 at 150\.0 ms \(its release sent at 400\.0 ms\)/)
  })

  test('the same stale write rejected by the resource (fenced off) is fine', () => {
    expect(kinds(pausedHolder(300, false))).toEqual([])
  })

  test("a stale write accepted after the next holder released is a violation too: it overwrites that holder's work", () => {
    expect(kinds(pausedHolder(500, true))).toEqual(['stale write'])
  })

  test('a late write that no other grant preceded is not accused: the lock never passed on', () => {
    expect(kinds(withWrites(history([1, 1, 0, 1, 100, 305]), [1, 1, 300, true]))).toEqual([])
  })

  test('a write by the holder inside its own lease is fine', () => {
    expect(kinds(withWrites(history([1, 1, 0, 1, 100, 60], [2, 2, 2, 150, 1150, 400]), [1, 1, 50, true], [2, 2, 200, true]))).toEqual([])
  })

  test('without tokens (Redis) the stale write is accepted and caught the same way', () => {
    const events = pausedHolder(300, true, false)
    expect(events.filter((e) => e.token !== null)).toEqual([])
    expect(kinds(events)).toEqual(['stale write'])
    expect(resourceWrites(events)).toEqual({fencing: false, accepted: 1, staleRejected: 0})
  })

  test('the anomaly marks the stale holder, the holder it overlapped and the write', () => {
    const events = pausedHolder(300, true)
    const anomaly = lockAnomaly(events, checkLockHistory(events))!
    expect(anomaly.explanation).toMatch(/^stale write on lock l: /)
    expect(anomaly.operations.filter((o) => o.marked).map((o) => [o.process, o.f])).toEqual([
      [1, 'acquire'],
      [2, 'acquire'],
      [1, 'write'],
    ])
  })

  test('resourceWrites counts accepted and fenced-off writes and says whether grants carried tokens', () => {
    expect(resourceWrites(pausedHolder(300, false))).toEqual({fencing: true, accepted: 0, staleRejected: 1})
    expect(resourceWrites([])).toEqual({fencing: false, accepted: 0, staleRejected: 0})
  })
})

describe('checkLockHistory: grants without tokens', () => {
  const untokened = (...holds: Hold[]) => history(...holds).map((e) => ({...e, token: null}))

  test('holders one after another pass', () => {
    expect(kinds(untokened([1, 1, 0, 1, 1000, 5], [2, 2, 2, 7, 1007, 9]))).toEqual([])
  })

  test('a grant that arrived while the previous holder neither released nor expired is an overlap, ordered by arrival', () => {
    const result = checkLockHistory(untokened([1, 1, 0, 1, 1000, 50], [2, 2, 2, 20, 1020, 30]))
    expect(result.violations).toEqual([expect.objectContaining({kind: 'overlap', lock: 'l'})])
    expect(result.violations[0].detail).toMatch(/^a grant \(no token\) reached process 2 at 20\.0 ms, while process 1 still held a grant \(no token\)/)
  })
})
