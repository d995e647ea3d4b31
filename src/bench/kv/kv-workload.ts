import {SeededRng} from '../../core/common/rng.js'
import type {LoadReport} from '../report.js'
import type {Operation, Workload, WorkloadRecipe} from '../workload.js'
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
 * servers from the end of warmup on, like the operations they are divided by.
 */
export class KvWorkload implements Workload {
  readonly name = 'kv'
  readonly metrics = ['read', 'write']
  private readonly zipf: ZipfDistribution | undefined
  private readonly value: string
  private countersBefore: Record<string, number> = {}

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
    const rng = new SeededRng(this.options.seed * 1_000_003 + clientIndex)
    const client = this.kv.client(clientIndex)
    const {readRatio, keys} = this.options
    const zipf = this.zipf
    return async () => {
      const key = `key-${zipf === undefined ? rng.int(keys) : zipf.sample(rng.next())}`
      if (rng.next() < readRatio) {
        await client.get(key)
        return 'read'
      }
      await client.put(key, this.value)
      return 'write'
    }
  }

  get recipe(): WorkloadRecipe | undefined {
    return this.kv.recipe && {kind: 'kv', target: this.kv.recipe, options: this.options}
  }

  async beginMeasurement(): Promise<void> {
    this.countersBefore = await this.kv.counters()
  }

  async summarize(report: LoadReport): Promise<Record<string, unknown>> {
    const after = await this.kv.counters()
    const before = this.countersBefore
    const delta = Object.fromEntries(Object.entries(after).map(([name, n]) => [name, n - (before[name] ?? 0)]))
    const reads = report.operations.read?.ops ?? 0
    const writes = report.operations.write?.ops ?? 0
    const ops = reads + writes
    const ratio = (a: number | undefined, b: number) => (a === undefined || b === 0 ? null : +(a / b).toFixed(3))
    return {
      readRatio: this.options.readRatio,
      keys: this.options.keys,
      dist: this.options.dist,
      ...(this.options.dist === 'zipf' ? {zipfTheta: this.options.zipfTheta} : {}),
      valueSize: this.options.valueSize,
      reads,
      writes,
      server: {
        ...delta,
        // Replies that rode back in a peer POST's answer are messages too (ReadyLoop.receiveAndReply).
        messagesPerOp: ratio(delta.messagesSent === undefined ? undefined : delta.messagesSent + (delta.messagesInAnswers ?? 0), ops),
        fsyncsPerCommittedEntry: ratio(delta.fsyncs, delta.committedEntries ?? 0),
        fsyncsPerWrite: ratio(delta.fsyncs, writes),
      },
    }
  }

  close(): Promise<void> {
    return this.kv.close()
  }
}
