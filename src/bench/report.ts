import type {LatencySummary} from './histogram.js'
import type {TimelinePoint} from './recorder.js'

/** The JSON every `dsys bench` prints with --json (DESIGN.md "Benchmark report"), plus workload fields. */
export interface LoadReport {
  workload: string
  target: string
  clients: number
  durationS: number
  warmupS: number
  ops: number
  errors: number
  errorsByKind: Record<string, number>
  firstUnexpectedError?: string
  throughput: number
  latencyMs: LatencySummary
  rate: number | null
  coordinatedOmissionCorrected: boolean
  /** Open loop only: how late operations started against their schedule (the driver falling behind). */
  behindScheduleMs: LatencySummary | null
  operations: Record<string, {ops: number; throughput: number; latencyMs: LatencySummary}>
  histograms: Record<string, LatencySummary>
  counters: Record<string, number>
  timeline: TimelinePoint[]
  events: Array<Record<string, unknown>>
  /**
   * The load driver's own CPU over the measured time (this process: harness
   * and client library). Near 100% of a core, the numbers may measure the
   * driver rather than the target.
   */
  driver: {cpuPercentOfOneCore: number; cpuMicrosPerOp: number}
  [extra: string]: unknown
}
