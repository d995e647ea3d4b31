import {createHistogram, decodeHistogram, EncodedHistogram, encodeHistogram, Histogram, recordMicros, summarize} from '../core/stats/histogram.js'

export interface TimelinePoint {
  /** Seconds since the run started (warmup included). */
  second: number
  warmup: boolean
  ops: number
  errors: number
  /** Latency of every operation that ended in this second (warmup ones too). */
  p50Ms: number
  p99Ms: number
  maxMs: number
}

/**
 * One second of the run, once it is over: histograms compressed, so a long
 * run keeps a few kilobytes per second instead of a full histogram per
 * operation type (about 94 kB each at this range and precision).
 */
export interface SecondSnapshot {
  ops: number
  errors: number
  /** Every successful operation that ended in this second, warmup included: the timeline. */
  latency: EncodedHistogram
  /** Measured operations that ended in this second, by type: the HDR log's intervals. */
  measured: Array<[string, EncodedHistogram]>
}

/** The second operations are ending in now, recorded into directly. */
class LiveSecond {
  ops = 0
  errors = 0
  readonly latency = createHistogram()
  readonly measured = new Map<string, Histogram>()

  freeze(): SecondSnapshot {
    return {ops: this.ops, errors: this.errors, latency: encodeHistogram(this.latency), measured: encodeAll(this.measured)}
  }
}

const encodeAll = (m: Map<string, Histogram>): Array<[string, EncodedHistogram]> => [...m].map(([k, h]) => [k, encodeHistogram(h)])

/** Adds `entries` into `m`, creating the histograms it lacks. */
function addInto(m: Map<string, Histogram>, entries: Iterable<[string, Histogram]>): void {
  for (const [k, theirs] of entries) histogramOf(m, k).add(theirs)
}

const decodeAll = (entries: Array<[string, EncodedHistogram]>): Array<[string, Histogram]> => entries.map(([k, e]) => [k, decodeHistogram(e)])

/** Two threads' views of the same second, added exactly. */
function mergeSecond(a: SecondSnapshot, b: SecondSnapshot): SecondSnapshot {
  const latency = decodeHistogram(a.latency)
  latency.add(decodeHistogram(b.latency))
  const measured = new Map(decodeAll(a.measured))
  addInto(measured, decodeAll(b.measured))
  return {ops: a.ops + b.ops, errors: a.errors + b.errors, latency: encodeHistogram(latency), measured: encodeAll(measured)}
}

let emptySecond: SecondSnapshot | undefined
/** A second in which no operation ended. */
const empty = (): SecondSnapshot => (emptySecond ??= new LiveSecond().freeze())

/** A recorder as one worker thread hands it to the main thread: histograms compressed, maps as entries. */
export interface RecorderSnapshot {
  ops: number
  errors: number
  overall: EncodedHistogram
  uncorrected: EncodedHistogram
  lag: EncodedHistogram
  byType: Array<[string, EncodedHistogram]>
  named: Array<[string, EncodedHistogram]>
  counters: Array<[string, number]>
  errorsByKind: Array<[string, number]>
  errorSamples: Array<[string, string]>
  perClient: Array<[number, number]>
  seconds: SecondSnapshot[]
}

/**
 * Collects what a run measures: latency per operation type, named
 * sub-latencies, counters, errors by kind, and a per-second timeline. The
 * driver says whether each operation is measured (it was issued, or in open
 * loop scheduled, inside the measured window); the others appear only in the
 * timeline and in the per-client counts.
 *
 * Times passed in never go back (they are this thread's performance.now()),
 * so only the current second is kept whole; earlier ones are compressed.
 * A recorder either records or absorbs other threads' snapshots.
 */
export class Recorder {
  /** Latency as reported: from the intended start in open loop (coordinated-omission corrected). */
  readonly overall = createHistogram()
  /** Open loop: latency from the moment the request was actually sent, as wrk2's --u_latency. */
  readonly uncorrected = createHistogram()
  readonly byType = new Map<string, Histogram>()
  readonly named = new Map<string, Histogram>()
  readonly counters = new Map<string, number>()
  readonly errorsByKind = new Map<string, number>()
  /** The first message seen for each error kind, to name the most common error. */
  readonly errorSamples = new Map<string, string>()
  /** Open loop: how late operations were sent against their schedule. */
  readonly lagMicros = createHistogram()
  /** Successful operations per client over the whole run, warmup included: fairness is about shares. */
  readonly perClient: number[] = []
  /** Seconds 0 … past.length - 1; the live one, once anything was recorded, is second past.length. */
  private past: SecondSnapshot[] = []
  private live: LiveSecond | undefined
  ops = 0
  errors = 0

  constructor(
    private readonly startMs: number,
    private readonly warmupMs: number,
  ) {}

  ok(client: number, type: string, measured: boolean, latencyMicros: number, uncorrectedMicros: number | undefined, nowMs: number): void {
    const second = this.second(nowMs)
    second.ops++
    recordMicros(second.latency, latencyMicros)
    this.perClient[client] = (this.perClient[client] ?? 0) + 1
    if (!measured) return
    this.ops++
    recordMicros(this.overall, latencyMicros)
    if (uncorrectedMicros !== undefined) recordMicros(this.uncorrected, uncorrectedMicros)
    recordMicros(histogramOf(this.byType, type), latencyMicros)
    recordMicros(histogramOf(second.measured, type), latencyMicros)
  }

  error(kind: string, message: string, measured: boolean, nowMs: number): void {
    this.second(nowMs).errors++
    if (!this.errorSamples.has(kind)) this.errorSamples.set(kind, message)
    if (!measured) return
    this.errors++
    this.errorsByKind.set(kind, (this.errorsByKind.get(kind) ?? 0) + 1)
  }

  record(name: string, micros: number, measured: boolean): void {
    if (measured) recordMicros(histogramOf(this.named, name), micros)
  }

  count(name: string, n: number, measured: boolean): void {
    if (measured) this.counters.set(name, (this.counters.get(name) ?? 0) + n)
  }

  lag(micros: number): void {
    recordMicros(this.lagMicros, micros)
  }

  snapshot(): RecorderSnapshot {
    return {
      ops: this.ops,
      errors: this.errors,
      overall: encodeHistogram(this.overall),
      uncorrected: encodeHistogram(this.uncorrected),
      lag: encodeHistogram(this.lagMicros),
      byType: encodeAll(this.byType),
      named: encodeAll(this.named),
      counters: [...this.counters],
      errorsByKind: [...this.errorsByKind],
      errorSamples: [...this.errorSamples],
      perClient: this.perClient.flatMap((n, i): Array<[number, number]> => (n === undefined ? [] : [[i, n]])),
      seconds: this.seconds(),
    }
  }

  /** Adds another thread's measurements: counts add, histograms add (never averaged percentiles). */
  absorb(s: RecorderSnapshot): void {
    this.ops += s.ops
    this.errors += s.errors
    this.overall.add(decodeHistogram(s.overall))
    this.uncorrected.add(decodeHistogram(s.uncorrected))
    this.lagMicros.add(decodeHistogram(s.lag))
    addInto(this.byType, decodeAll(s.byType))
    addInto(this.named, decodeAll(s.named))
    for (const [k, n] of s.counters) this.counters.set(k, (this.counters.get(k) ?? 0) + n)
    for (const [k, n] of s.errorsByKind) this.errorsByKind.set(k, (this.errorsByKind.get(k) ?? 0) + n)
    for (const [k, m] of s.errorSamples) if (!this.errorSamples.has(k)) this.errorSamples.set(k, m)
    for (const [i, n] of s.perClient) this.perClient[i] = (this.perClient[i] ?? 0) + n
    const ours = this.seconds()
    this.past = Array.from({length: Math.max(ours.length, s.seconds.length)}, (_, i) => mergeSecond(ours[i] ?? empty(), s.seconds[i] ?? empty()))
    this.live = undefined
  }

  /** Every second from the start to the last one anything ended in. */
  seconds(): SecondSnapshot[] {
    return this.live ? [...this.past, this.live.freeze()] : this.past
  }

  timeline(): TimelinePoint[] {
    const warmupSeconds = this.warmupMs / 1000
    return this.seconds().map((s, i) => {
      const latency = summarize(decodeHistogram(s.latency))
      return {second: i, warmup: i < warmupSeconds, ops: s.ops, errors: s.errors, p50Ms: latency.p50, p99Ms: latency.p99, maxMs: latency.max}
    })
  }

  private second(nowMs: number): LiveSecond {
    const i = Math.max(0, Math.floor((nowMs - this.startMs) / 1000))
    if (this.live && i <= this.past.length) return this.live
    if (this.live) this.past.push(this.live.freeze())
    while (this.past.length < i) this.past.push(empty())
    return (this.live = new LiveSecond())
  }
}

function histogramOf(m: Map<string, Histogram>, key: string): Histogram {
  let h = m.get(key)
  if (!h) m.set(key, (h = createHistogram()))
  return h
}
