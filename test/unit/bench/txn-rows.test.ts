import {expect, test} from 'vitest'

import {formatReport} from '../../../src/bench/print-report.js'
import type {LoadReport} from '../../../src/bench/report.js'
import type {TxnClusterReport} from '../../../src/bench/txn/txn-cluster-stats.js'
import {txnRows} from '../../../src/commands/bench/txn.js'

const latency = {p50: 1, p90: 1, p99: 1, p999: 1, max: 1, mean: 1}
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
const report = {
  workload: 'txn',
  target: 'http://127.0.0.1:1',
  clients: 1,
  threads: 1,
  durationS: 1,
  warmupS: 0,
  ops: 10,
  errors: 0,
  errorsByKind: {},
  throughput: 10,
  latencyMs: latency,
  rate: null,
  uncorrectedLatencyMs: null,
  schedule: null,
  operations: {},
  histograms: {},
  counters: {'aborted: conflict': 4},
  events: [],
  driver: {cpuPercentOfOneCore: 1, cpuMicrosPerOp: 1},
} as unknown as LoadReport

test('bench txn prints each abort reason once', () => {
  const text = formatReport(report, txnRows(cluster))
  expect(text.match(/aborted: conflict/g)).toHaveLength(1)
})
