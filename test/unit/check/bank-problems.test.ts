import {describe, expect, test} from 'vitest'

import {bankProblems} from '../../../src/check/bank-check.js'
import type {BankRun} from '../../../src/core/check/bank-history.js'

const kept: BankRun = {accounts: 3, total: 3000, outcomes: {committed: 5}, auditSums: [3000, 3000], finalSum: 3000, badBalances: 0, finalAudit: 3000, inDoubt: {p1: 0, p2: 0}}

describe('bankProblems', () => {
  test('a run that kept every total has none', () => {
    expect(bankProblems(kept)).toEqual([])
  })

  test.each<[string, Partial<BankRun>, RegExp]>([
    ['money made or lost', {finalSum: 2990}, /sum to 2990, not 3000/],
    ['a negative balance', {badBalances: 1}, /not non-negative integers/],
    ['an audit that saw a half-applied transfer', {auditSums: [3000, 3050]}, /1 committed audits saw other totals: 3050/],
    ['a final audit that could not commit', {finalAudit: undefined}, /final audit did not commit/],
    ['a run in which nothing committed', {outcomes: {timeout: 4}}, /nothing was tested/],
    ['a participant left in doubt', {inDoubt: {p1: 0, p2: 2}}, /p2 ended with 2 transactions in doubt/],
    ['a history with no final state', {inDoubt: {}}, /no participant final state was recorded/],
  ])('names %s', (_what, change, message) => {
    expect(bankProblems({...kept, ...change}).join('\n')).toMatch(message)
  })

  test('names a run with fewer committed audits than the minimum (--min-audits)', () => {
    expect(bankProblems(kept, 2)).toEqual([])
    expect(bankProblems(kept, 3)).toEqual(['only 2 audits committed; at least 3 must (--min-audits)'])
  })
})
