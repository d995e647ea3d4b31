import {fetchHealth} from '../../runtime/cluster/health.js'
import type {RingAdmin, RouterHealth} from '../../runtime/clients/ring-admin-client.js'
import {KvWorkload, type KvWorkloadOptions} from '../kv/kv-workload.js'
import type {LoadReport} from '../report.js'
import type {Operation, Workload, WorkloadRecipe} from '../workload.js'
import type {RouterKvTarget} from './router-kv-target.js'
import {shardLoad} from './shard-load.js'

/**
 * The kv workload (reads and writes over `keys` keys, uniform or Zipf)
 * through the ring router, reporting how the load spread over the shards:
 * requests per shard in the measured window (the router's counts)
 * and keys per shard at the end, each with max/mean.
 */
export class RingWorkload implements Workload {
  readonly name = 'ring'
  readonly target = 'dsys'
  readonly metrics = ['read', 'write']
  private readonly kv: KvWorkload
  /** The router's per-shard counts at the end of warmup. */
  private requestsBefore: Record<string, number> = {}

  constructor(
    private readonly router: RouterKvTarget,
    private readonly admin: RingAdmin,
    private readonly options: KvWorkloadOptions,
  ) {
    this.kv = new KvWorkload(router, options)
  }

  preflight(): Promise<void> {
    return this.router.preflight()
  }

  /** Writes every key once before the clock starts, so reads find values and shards hold the key set. */
  async preload(concurrency: number): Promise<void> {
    const value = 'v'.repeat(this.options.valueSize)
    const put = this.router.client().put
    let next = 0
    await Promise.all(
      Array.from({length: concurrency}, async () => {
        for (let k = next++; k < this.options.keys; k = next++) await put(`key-${k}`, value)
      }),
    )
  }

  async createClient(clientIndex: number): Promise<Operation> {
    return this.kv.createClient(clientIndex)
  }

  /** A worker thread's clients need only the kv workload on the router. */
  get recipe(): WorkloadRecipe | undefined {
    return this.kv.recipe
  }

  async beginMeasurement(): Promise<void> {
    const [health] = await Promise.all([this.admin.health(), this.kv.beginMeasurement()])
    this.requestsBefore = requestCounts(health)
  }

  async summarize(report: LoadReport): Promise<Record<string, unknown>> {
    // The kv workload's server counters are Raft costs; the ring's cost is its shard spread.
    const {server: _raftCounters, ...kv} = await this.kv.summarize(report)
    const health = await this.admin.health()
    const keys = Object.fromEntries(
      await Promise.all(Object.entries(health.shards).map(async ([name, {url}]) => [name, ((await fetchHealth(url, 2_000))?.keys as number | undefined) ?? null] as const)),
    )
    return {...kv, algorithm: health.algorithm, nodes: health.nodes, shardLoad: shardLoad(this.requestsBefore, requestCounts(health), keys)}
  }

  close(): Promise<void> {
    return this.kv.close()
  }
}

function requestCounts(health: RouterHealth): Record<string, number> {
  return Object.fromEntries(Object.entries(health.shards).map(([name, s]) => [name, s.requests]))
}
