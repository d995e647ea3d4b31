import type {LatencySummary} from '../core/stats/histogram.js'
import type {TimelinePoint} from './recorder.js'

/** Open loop: the schedule asked for against what the driver managed to send. */
export interface ScheduleReport {
  requestedRate: number
  /** Measured operations sent per second of the window. */
  achievedRate: number
  /** Slots inside the measured window, over all clients. */
  scheduled: number
  issued: number
  /** Slots the window closed on before the driver could send them. */
  notIssued: number
  /** How late operations were sent against their slots. */
  lagMs: LatencySummary
  /** Little's law: the concurrency the schedule needs at the measured mean latency (rate × mean). */
  clientsNeeded: number
}

/** The JSON every `dsys bench` prints with --json (DESIGN.md "Benchmark report"), plus workload fields. */
export interface LoadReport {
  workload: string
  target: string
  clients: number
  /** Worker threads the clients were spread over. */
  threads: number
  /** The measured window, exactly as asked (with --ops: until the last measured operation ended). */
  durationS: number
  warmupS: number
  ops: number
  errors: number
  errorsByKind: Record<string, number>
  /** The first message seen for each error kind. */
  errorSamples: Record<string, string>
  firstUnexpectedError?: string
  /** Successful measured operations per second of the window. */
  throughput: number
  /** Open loop: from each operation's slot (coordinated-omission corrected); closed loop: from its send. */
  latencyMs: LatencySummary
  rate: number | null
  coordinatedOmissionCorrected: boolean
  /** Open loop only: latency from the actual send, as wrk2's --u_latency. */
  uncorrectedLatencyMs: LatencySummary | null
  schedule: ScheduleReport | null
  operations: Record<string, {ops: number; throughput: number; latencyMs: LatencySummary}>
  histograms: Record<string, LatencySummary>
  /**
   * The measured latency histograms whole, to read any percentile or draw
   * the spectrum later: HdrHistogram compressed base64 (encodeIntoCompressedBase64),
   * values in microseconds; `all` plus one per operation type.
   */
  hdrHistograms: Record<string, string>
  counters: Record<string, number>
  /** Successful operations per client over the whole run (warmup included). */
  perClientOps: number[]
  timeline: TimelinePoint[]
  /** Actions run at a time into the run; one that ended after the window has `outlastedRun`. */
  events: Array<Record<string, unknown>>
  /**
   * The load driver's own CPU over the measured window (this process: every
   * thread, harness and client library). Near 100% of a core per thread, the
   * numbers may measure the driver rather than the target.
   */
  driver: {cpuPercentOfOneCore: number; cpuMicrosPerOp: number}
  /** Why the run failed (exit 1), one line each; empty when it passed. */
  failures: string[]
  [extra: string]: unknown
}
