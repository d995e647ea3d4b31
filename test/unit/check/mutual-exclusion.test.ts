import {describe, expect, test} from 'vitest'

import {checkLockHistory, LockEvent} from '../../../src/core/check/mutual-exclusion.js'

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
