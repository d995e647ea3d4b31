import {Flags} from '@oclif/core'

import {DsysCommand} from '../../cli/base-command.js'
import {benchFlags, runBenchCommand} from '../../cli/bench.js'
import {durationFlag} from '../../cli/flags.js'
import {kvWorkloadFlags, kvWorkloadOptions, readsWritesRow} from '../../cli/kv-flags.js'
import {RouterKvTarget} from '../../bench/ring/router-kv-target.js'
import {RingWorkload} from '../../bench/ring/ring-workload.js'
import type {ShardLoad} from '../../bench/ring/shard-load.js'
import {RingAdmin} from '../../runtime/clients/ring-admin-client.js'

export default class BenchRing extends DsysCommand {
  static override summary = 'Key-value load through the hash-ring router, with the load per shard; optionally adds a shard mid-run'
  static override description = `Each client issues gets (--read-ratio of the operations) and puts of --value-size bytes over --keys keys, uniform or Zipf-skewed, through the ring router of the local cluster. Every key is written once before the clock starts (--no-preload to skip).
The report adds requests per shard in the measured window (router counts) and keys per shard at the end, each with max/mean. --add-node-at 5s starts a new shard 5 s into the run (warmup included) and migrates to it while the load goes on: the per-second timeline shows what the migration costs, and the event reports keys moved live next to the offline prediction.`
  static override examples = [
    '<%= config.bin %> bench ring --clients 32 --duration 10s --read-ratio 0.9',
    '<%= config.bin %> bench ring --dist zipf --zipf-theta 0.99 --keys 100000 --json',
    '<%= config.bin %> bench ring --duration 15s --add-node-at 5s',
  ]

  static override flags = {
    ...benchFlags,
    ...kvWorkloadFlags,
    preload: Flags.boolean({description: 'write every key once before the run', default: true, allowNo: true}),
    'add-node-at': durationFlag({description: 'add a shard this far into the run (warmup included), e.g. 5s'}),
  }

  async run() {
    const {flags} = await this.parse(BenchRing)
    const admin = RingAdmin.forCluster(flags['data-dir'])
    const target = new RouterKvTarget(admin.routerUrl, flags.clients)
    const workload = new RingWorkload(target, admin, kvWorkloadOptions(flags))
    const setup = async (): Promise<void> => {
      if (!flags.preload) return
      this.note(`preloading ${flags.keys} keys…`)
      await workload.preload(flags.clients)
    }
    try {
      const addAt = flags['add-node-at']
      const events = addAt === undefined ? [] : [{atMs: addAt, name: 'add-node', run: () => addShardEvent(admin)}]
      return await runBenchCommand(this, workload, flags, {
        setup,
        events,
        rows: (r) => {
          const load = r.shardLoad as ShardLoad
          return [
            readsWritesRow(r),
            ['algorithm', `${r.algorithm as string} over ${(r.nodes as string[]).length} shards`],
            ...Object.entries(load.shards).map(([name, s]): [string, string] => [`  ${name}`, `${s.requests} requests, ${s.keys ?? '?'} keys`]),
            ['requests max/mean', load.requests.maxOverMean.toFixed(3)],
            ['keys max/mean', load.keys?.maxOverMean.toFixed(3) ?? 'n/a'],
          ]
        },
      })
    } finally {
      await admin.close()
    }
  }
}

async function addShardEvent(admin: RingAdmin): Promise<Record<string, unknown>> {
  const report = await admin.addShard(600_000)
  return {
    shard: report.change.name,
    keys: report.keys,
    moved: report.moved,
    predictedMoved: report.prediction?.moved ?? null,
    agrees: report.agrees,
    copied: report.copied,
    movedByClients: report.movedByClients,
    bytesCopied: report.bytesCopied,
    migrationMs: report.migrationMs,
  }
}
