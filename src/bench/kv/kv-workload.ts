import {SeededRng} from '../../core/common/rng.js'
import type {LoadReport} from '../report.js'
import type {Operation, Workload} from '../workload.js'
import type {KvTarget} from './kv-target.js'
import {ZipfDistribution} from './zipf.js'

export interface KvWorkloadOptions {
  /** Fraction of operations that are reads, in [0, 1]. */
  readRatio: number
  keys: number
  dist: 'uniform' | 'zipf'
  zipfTheta: number
  valueSize: number
  seed: number
}

/**
 * Reads (linearizable gets) and writes (puts) of `valueSize`-byte values over
 * `keys` keys, chosen uniformly or Zipf-skewed; each client draws from its own
 * seeded RNG, so a run's operation sequence replays from --seed. The report
 * splits reads and writes (the harness keys histograms by op type) and adds
 * the server's cost per operation: peer messages and fsyncs, counted by the
 * servers over the whole run (warmup included, like the ops they are divided by).
 */
export class KvWorkload implements Workload {
  readonly name = 'kv'
  readonly metrics = ['read', 'write']
  private readonly zipf: ZipfDistribution | undefined
  private readonly value: string
  /** One snapshot for the run: clients are created concurrently, so the promise is what is shared. */
  private countersBefore: Promise<Record<string, number>> | undefined
  /** Over the whole run, warmup included, like the server counters they divide. */
  private runReads = 0
  private runWrites = 0

  constructor(
    private readonly kv: KvTarget,
    private readonly options: KvWorkloadOptions,
  ) {
    this.zipf = options.dist === 'zipf' ? new ZipfDistribution(options.keys, options.zipfTheta) : undefined
    this.value = 'v'.repeat(options.valueSize)
  }

  get target(): string {
    return this.kv.name
  }

  preflight(): Promise<void> {
    return this.kv.preflight()
  }

  async createClient(clientIndex: number): Promise<Operation> {
    this.countersBefore ??= this.kv.counters()
    await this.countersBefore
    const rng = new SeededRng(this.options.seed * 1_000_003 + clientIndex)
    const client = this.kv.client(clientIndex)
    const {readRatio, keys} = this.options
    const zipf = this.zipf
    return async () => {
      const key = `key-${zipf === undefined ? rng.int(keys) : zipf.sample(rng.next())}`
      if (rng.next() < readRatio) {
        await client.get(key)
        this.runReads++
        return 'read'
      }
      await client.put(key, this.value)
      this.runWrites++
      return 'write'
    }
  }

  async summarize(report: LoadReport): Promise<Record<string, unknown>> {
    const after = await this.kv.counters()
    const before = (await this.countersBefore) ?? {}
    const delta = Object.fromEntries(Object.entries(after).map(([name, n]) => [name, n - (before[name] ?? 0)]))
    const ops = this.runReads + this.runWrites
    const ratio = (a: number | undefined, b: number) => (a === undefined || b === 0 ? null : +(a / b).toFixed(3))
    return {
      readRatio: this.options.readRatio,
      keys: this.options.keys,
      dist: this.options.dist,
      ...(this.options.dist === 'zipf' ? {zipfTheta: this.options.zipfTheta} : {}),
      valueSize: this.options.valueSize,
      // The measured window's, as every count in the report.
      reads: report.operations.read?.ops ?? 0,
      writes: report.operations.write?.ops ?? 0,
      server: {
        ...delta,
        messagesPerOp: ratio(delta.messagesSent, ops),
        fsyncsPerCommittedEntry: ratio(delta.fsyncs, delta.committedEntries ?? 0),
        fsyncsPerWrite: ratio(delta.fsyncs, this.runWrites),
      },
    }
  }

  close(): Promise<void> {
    return this.kv.close()
  }
}
