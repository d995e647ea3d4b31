import {describe, expect, test} from 'vitest'

import {judgeBankHistory} from '../../../src/check/bank-check.js'
import type {BankEvent} from '../../../src/core/check/bank-history.js'
import {bankRunFromHistory} from '../../../src/core/check/bank-history.js'
import {LockEvent} from '../../../src/core/check/mutual-exclusion.js'
import {judgeLockHistory} from '../../../src/check/lock-check.js'

const T0 = 1_700_000_000_000

/** Process 1 holds token 1 (lease to +1000, released at +50); process 2 gets token 2 at +20, while 1 still held it. */
const overlapping: LockEvent[] = [
  {process: 1, type: 'invoke', f: 'acquire', lock: 'l', token: null, time: T0},
  {process: 1, type: 'ok', f: 'acquire', lock: 'l', token: 1, expiresAt: T0 + 1000, time: T0 + 1},
  {process: 2, type: 'invoke', f: 'acquire', lock: 'l', token: null, time: T0 + 2},
  {process: 2, type: 'ok', f: 'acquire', lock: 'l', token: 2, expiresAt: T0 + 1020, time: T0 + 20},
  {process: 1, type: 'invoke', f: 'release', lock: 'l', token: 1, time: T0 + 50},
  {process: 1, type: 'ok', f: 'release', lock: 'l', token: 1, time: T0 + 51},
]

describe('lock anomaly', () => {
  test('an overlap marks both grants, with times since the history began', () => {
    const {anomaly} = judgeLockHistory(overlapping)
    expect(anomaly!.explanation).toBe(
      'overlap on lock l: token 2 reached process 2 at 20.0 ms, while process 1 still held token 1: its release was sent at 50.0 ms and its lease ran to 1000.0 ms',
    )
    expect(anomaly!.operations.map((o) => [o.line, o.f, o.marked, o.output ?? o.input])).toEqual([
      [1, 'acquire', true, 'token 1'],
      [3, 'acquire', true, 'token 2'],
      [5, 'release', false, 'token 1'],
    ])
  })

  test('a lock history that held has no anomaly', () => {
    expect(judgeLockHistory(overlapping.slice(0, 2)).anomaly).toBeUndefined()
  })
})

const transfer = (process: number, time: number, outcome: 'ok' | 'info', amount: number): BankEvent[] => [
  {process, type: 'invoke', f: 'transfer', value: {from: 'a', to: 'b'}, time},
  {process, type: outcome, f: 'transfer', value: {from: 'a', to: 'b', read: [1000, 1000], amount}, time: time + 5},
]
const audit = (time: number, sum: number): BankEvent[] => [
  {process: 9, type: 'invoke', f: 'audit', value: null, time},
  {process: 9, type: 'ok', f: 'audit', value: {sum, balances: [sum - 1000, 1000]}, time: time + 5},
]
const final = (time: number, balances: Record<string, number>, inDoubt = 0): BankEvent => ({type: 'final', participant: `p-${Object.keys(balances)[0]}`, inDoubt, lockedKeys: 0, balances, time})

describe('bank history', () => {
  test('the run it records: outcomes, audits before the final states, the audit after them as the final one', () => {
    const h = [...transfer(0, 0, 'ok', 5), ...transfer(1, 1, 'info', 7), ...audit(10, 2000), final(20, {a: 995}), final(20, {b: 1005}), ...audit(30, 2000)]
    expect(bankRunFromHistory(h)).toEqual({
      accounts: 2,
      total: 2000,
      outcomes: {committed: 1, unknown: 1},
      auditSums: [2000],
      finalSum: 2000,
      badBalances: 0,
      finalAudit: 2000,
      inDoubt: {'p-a': 0, 'p-b': 0},
    })
    expect(judgeBankHistory(h)).toMatchObject({problems: []})
  })

  test('money lost and a participant in doubt mark the transfer whose outcome is unknown and the audit that saw the wrong total', () => {
    const h = [...transfer(0, 0, 'ok', 5), ...transfer(1, 1, 'info', 7), final(20, {a: 988}), final(20, {b: 1005}, 1), ...audit(30, 1993)]
    const verdict = judgeBankHistory(h)
    expect(verdict.problems).toEqual(['p-b ended with 1 transaction in doubt', 'the final balances sum to 1993, not 2000', 'the final audit summed to 1993'])
    expect(verdict.anomaly!.operations.filter((o) => o.marked).map((o) => [o.line, o.f, o.input])).toEqual([
      [3, 'transfer', 'a → b'],
      [7, 'audit', undefined],
    ])
  })
})
