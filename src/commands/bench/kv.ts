import {Flags} from '@oclif/core'

import {DsysCommand} from '../../cli/base-command.js'
import {benchFlags, runBenchCommand} from '../../cli/bench.js'
import {durationFlag} from '../../cli/flags.js'
import {DsysKvTarget} from '../../bench/kv/dsys-kv-target.js'
import {EtcdKvTarget} from '../../bench/kv/etcd-kv-target.js'
import {kvWorkloadFlags, kvWorkloadOptions, readsWritesRow} from '../../cli/kv-flags.js'
import {KV_TARGET_USAGE, resolveKvTarget} from '../../cli/kv-targets.js'
import type {KvTarget} from '../../bench/kv/kv-target.js'
import {KvWorkload} from '../../bench/kv/kv-workload.js'

export default class BenchKv extends DsysCommand {
  static override summary = 'Key-value load on the Raft KV, the Multi-Paxos KV or etcd: reads and writes reported separately, with peer messages and fsyncs per operation'
  static override description = `Each client issues linearizable gets (--read-ratio of the operations) and puts of --value-size bytes over --keys keys, uniform or Zipf-skewed.
The default target is the local cluster's Raft replicas; --target paxos takes its Multi-Paxos replicas (both serve the same API; clients follow redirects to the leader and stay there). --target etcd, or etcd://HOST:PORT[,HOST:PORT...], runs the same workload against etcd's v3 JSON gateway.`
  static override examples = [
    '<%= config.bin %> bench kv --clients 64 --duration 10s --read-ratio 0.5',
    '<%= config.bin %> bench kv --clients 64 --dist zipf --zipf-theta 0.99 --keys 100000 --json',
    '<%= config.bin %> bench kv --target paxos --clients 64 --duration 10s',
    '<%= config.bin %> bench kv --target etcd://127.0.0.1:2379 --clients 64 --duration 10s',
  ]

  static override flags = {
    ...benchFlags,
    ...kvWorkloadFlags,
    target: Flags.string({description: `what to load: ${KV_TARGET_USAGE}`}),
    'op-timeout': durationFlag({description: 'bound on one operation, retries and redirects included', default: 10_000}),
  }

  async run() {
    const {flags} = await this.parse(BenchKv)
    const target = this.target(flags.target, flags['data-dir'], flags.clients, flags['op-timeout'])
    const workload = new KvWorkload(target, kvWorkloadOptions(flags))
    return runBenchCommand(this, workload, flags, {
      rows: (r) => {
        const server = r.server as Record<string, number | null>
        return [
          readsWritesRow(r),
          ['peer messages per op', server.messagesPerOp ?? 'n/a'],
          ['fsyncs per committed entry', server.fsyncsPerCommittedEntry ?? 'n/a'],
          ['fsyncs per write', server.fsyncsPerWrite ?? 'n/a'],
        ]
      },
    })
  }

  private target(target: string | undefined, dataDir: string, clients: number, opTimeoutMs: number): KvTarget {
    const spec = resolveKvTarget(target, dataDir)
    return spec.kind === 'etcd' ? new EtcdKvTarget(spec.target, clients, opTimeoutMs) : new DsysKvTarget(spec.urls, clients, opTimeoutMs)
  }
}
