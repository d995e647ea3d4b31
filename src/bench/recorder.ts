import {createHistogram, Histogram, recordMicros, summarize} from './histogram.js'

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

/**
 * Collects what a run measures: latency per operation type, named
 * sub-latencies, counters, errors by kind, and a per-second timeline.
 * Operations that end during warmup appear only in the timeline.
 */
export class Recorder {
  readonly overall = createHistogram()
  readonly byType = new Map<string, Histogram>()
  readonly named = new Map<string, Histogram>()
  readonly counters = new Map<string, number>()
  readonly errorsByKind = new Map<string, number>()
  readonly lagMicros = createHistogram()
  private readonly seconds: Second[] = []
  ops = 0
  errors = 0

  constructor(
    private readonly startMs: number,
    private readonly warmupMs: number,
  ) {}

  measuring(nowMs: number): boolean {
    return nowMs - this.startMs >= this.warmupMs
  }

  ok(type: string, latencyMicros: number, nowMs: number): void {
    const second = this.second(nowMs)
    second.ops++
    recordMicros(second.latency, latencyMicros)
    if (!this.measuring(nowMs)) return
    this.ops++
    recordMicros(this.overall, latencyMicros)
    let h = this.byType.get(type)
    if (!h) this.byType.set(type, (h = createHistogram()))
    recordMicros(h, latencyMicros)
  }

  error(kind: string, nowMs: number): void {
    this.second(nowMs).errors++
    if (!this.measuring(nowMs)) return
    this.errors++
    this.errorsByKind.set(kind, (this.errorsByKind.get(kind) ?? 0) + 1)
  }

  record(name: string, micros: number, nowMs: number): void {
    if (!this.measuring(nowMs)) return
    let h = this.named.get(name)
    if (!h) this.named.set(name, (h = createHistogram()))
    recordMicros(h, micros)
  }

  count(name: string, n: number, nowMs: number): void {
    if (!this.measuring(nowMs)) return
    this.counters.set(name, (this.counters.get(name) ?? 0) + n)
  }

  /** How far an open-loop operation started after its scheduled time. */
  lag(micros: number, nowMs: number): void {
    if (this.measuring(nowMs)) recordMicros(this.lagMicros, micros)
  }

  timeline(): TimelinePoint[] {
    const warmupSeconds = this.warmupMs / 1000
    return this.seconds.map((s, i) => ({second: i, warmup: i < warmupSeconds, ops: s?.ops ?? 0, errors: s?.errors ?? 0, p99Ms: s ? summarize(s.latency).p99 : 0}))
  }


  private second(nowMs: number): Second {
    const i = Math.max(0, Math.floor((nowMs - this.startMs) / 1000))
    let s = this.seconds[i]
    if (!s) {
      for (let j = this.seconds.length; j < i; j++) this.seconds[j] = {ops: 0, errors: 0, latency: createHistogram()}
      this.seconds[i] = s = {ops: 0, errors: 0, latency: createHistogram()}
    }
    return s
  }
}
