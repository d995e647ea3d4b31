import {expect, test} from 'vitest'

import {formatReport} from '../../../src/cli/print-report.js'
import {lockRows} from '../../../src/commands/bench/lock.js'
import {fakeReport} from './report-fixture.js'

const granted = {fairness: 0.99, fencingTokens: 'yes', safety: {violations: 0, staleWritesRejected: 0}}

test('bench lock prints its timeouts once, with the other errors', () => {
  const report = fakeReport({...granted, errors: 7, errorsByKind: {timeout: 7}})
  const text = formatReport(report, lockRows(report))
  expect(text.match(/timeout/g)).toHaveLength(1)
})

test("bench lock's own rows are the same, in the same order, whatever the run met", () => {
  const labels = (fields: Record<string, unknown>) => lockRows(fakeReport(fields)).map(([label]) => label)
  expect(labels({...granted, errorsByKind: {timeout: 3}})).toEqual(labels({fairness: null, fencingTokens: 'no', safety: null, errorsByKind: {}}))
})
