import {createHistogram, decodeHistogram, EncodedHistogram, encodeHistogram, Histogram, recordMicros, summarize} from './histogram.js'

export interface TimelinePoint {
  /** Seconds since the run started (warmup included). */
  second: number
  warmup: boolean
  ops: number
  errors: number
  p99Ms: number
}

interface Second {
  ops: number
  errors: number
  latency: Histogram
}

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
  seconds: Array<{ops: number; errors: number; latency: EncodedHistogram}>
}

/**
 * Collects what a run measures: latency per operation type, named
 * sub-latencies, counters, errors by kind, and a per-second timeline. The
 * driver says whether each operation is measured (it was issued, or in open
 * loop scheduled, inside the measured window); the others appear only in the
 * timeline and in the per-client counts.
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
  private readonly seconds: Second[] = []
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
    let h = this.byType.get(type)
    if (!h) this.byType.set(type, (h = createHistogram()))
    recordMicros(h, latencyMicros)
  }

  error(kind: string, message: string, measured: boolean, nowMs: number): void {
    this.second(nowMs).errors++
    if (!this.errorSamples.has(kind)) this.errorSamples.set(kind, message)
    if (!measured) return
    this.errors++
    this.errorsByKind.set(kind, (this.errorsByKind.get(kind) ?? 0) + 1)
  }

  record(name: string, micros: number, measured: boolean): void {
    if (!measured) return
    let h = this.named.get(name)
    if (!h) this.named.set(name, (h = createHistogram()))
    recordMicros(h, micros)
  }

  count(name: string, n: number, measured: boolean): void {
    if (measured) this.counters.set(name, (this.counters.get(name) ?? 0) + n)
  }

  lag(micros: number): void {
    recordMicros(this.lagMicros, micros)
  }

  snapshot(): RecorderSnapshot {
    const encoded = (m: Map<string, Histogram>): Array<[string, EncodedHistogram]> => [...m].map(([k, h]) => [k, encodeHistogram(h)])
    return {
      ops: this.ops,
      errors: this.errors,
      overall: encodeHistogram(this.overall),
      uncorrected: encodeHistogram(this.uncorrected),
      lag: encodeHistogram(this.lagMicros),
      byType: encoded(this.byType),
      named: encoded(this.named),
      counters: [...this.counters],
      errorsByKind: [...this.errorsByKind],
      errorSamples: [...this.errorSamples],
      perClient: this.perClient.flatMap((n, i): Array<[number, number]> => (n === undefined ? [] : [[i, n]])),
      seconds: this.seconds.map((s) => ({ops: s.ops, errors: s.errors, latency: encodeHistogram(s.latency)})),
    }
  }

  /** Adds another thread's measurements: counts add, histograms add (never averaged percentiles). */
  absorb(s: RecorderSnapshot): void {
    this.ops += s.ops
    this.errors += s.errors
    this.overall.add(decodeHistogram(s.overall))
    this.uncorrected.add(decodeHistogram(s.uncorrected))
    this.lagMicros.add(decodeHistogram(s.lag))
    const addInto = (m: Map<string, Histogram>, entries: Array<[string, EncodedHistogram]>) => {
      for (const [k, encoded] of entries) {
        let h = m.get(k)
        if (!h) m.set(k, (h = createHistogram()))
        h.add(decodeHistogram(encoded))
      }
    }
    addInto(this.byType, s.byType)
    addInto(this.named, s.named)
    for (const [k, n] of s.counters) this.counters.set(k, (this.counters.get(k) ?? 0) + n)
    for (const [k, n] of s.errorsByKind) this.errorsByKind.set(k, (this.errorsByKind.get(k) ?? 0) + n)
    for (const [k, m] of s.errorSamples) if (!this.errorSamples.has(k)) this.errorSamples.set(k, m)
    for (const [i, n] of s.perClient) this.perClient[i] = (this.perClient[i] ?? 0) + n
    s.seconds.forEach((theirs, i) => {
      const ours = this.secondAt(i)
      ours.ops += theirs.ops
      ours.errors += theirs.errors
      ours.latency.add(decodeHistogram(theirs.latency))
    })
  }

  timeline(): TimelinePoint[] {
    const warmupSeconds = this.warmupMs / 1000
    return this.seconds.map((s, i) => ({second: i, warmup: i < warmupSeconds, ops: s.ops, errors: s.errors, p99Ms: summarize(s.latency).p99}))
  }

  private second(nowMs: number): Second {
    return this.secondAt(Math.max(0, Math.floor((nowMs - this.startMs) / 1000)))
  }

  private secondAt(i: number): Second {
    for (let j = this.seconds.length; j <= i; j++) this.seconds[j] = {ops: 0, errors: 0, latency: createHistogram()}
    return this.seconds[i]
  }
}
