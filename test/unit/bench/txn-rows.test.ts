import {expect, test} from 'vitest'

import {formatReport} from '../../../src/cli/print-report.js'
import type {TxnClusterReport} from '../../../src/bench/txn/txn-cluster-stats.js'
import {txnRows} from '../../../src/commands/bench/txn.js'
import {fakeReport, latency} from './report-fixture.js'

const cluster: TxnClusterReport = {
  restarted: [],
  txnsBegun: 10,
  messagesPerTxn: 8,
  fsyncsPerCommittedTxn: 2,
  coordinatorFsyncsPerCommittedTxn: 0.5,
  forcedRecordsPerCommittedTxn: 5,
  commitPhaseMs: {...latency, count: 6},
  inDoubtMs: {...latency, count: 12},
  orphans: {count: 0, committed: 0, aborted: 0, maxInDoubtMs: 0, keyBlockedMs: 0, resolutions: {}},
  coordinatorRecovery: null,
  stillInDoubt: 0,
  lockedKeys: 0,
}

test('bench txn prints each abort reason once', () => {
  const text = formatReport(fakeReport({counters: {'aborted: conflict': 4}}), txnRows(cluster))
  expect(text.match(/aborted: conflict/g)).toHaveLength(1)
})
