import type {LatencySummary} from '../../../src/core/stats/histogram.js'
import type {LoadReport} from '../../../src/bench/report.js'

export const latency: LatencySummary = {p50: 1, p90: 1, p99: 1, p999: 1, max: 1, mean: 1}

/** A closed-loop report with what formatReport reads, and the fields a test names. */
export function fakeReport(fields: Partial<LoadReport>): LoadReport {
  return {
    workload: 'test',
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
    counters: {},
    events: [],
    driver: {cpuPercentOfOneCore: 1, cpuMicrosPerOp: 1},
    ...fields,
  } as unknown as LoadReport
}
