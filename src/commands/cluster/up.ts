import {join} from 'node:path'

import {Flags} from '@oclif/core'

import {DsysCommand} from '../../cli/base-command.js'
import {durationFlag, positiveIntFlag} from '../../cli/flags.js'
import {formatDurationMs} from '../../core/common/duration.js'
import {renderTable} from '../../report/table.js'
import {CLUSTER_FILE, type NodeRecord} from '../../runtime/cluster/cluster-state.js'
import {PEER_KINDS, PEER_SUBSYSTEMS} from '../../runtime/cluster/peers/peers.js'
import {NAMED_SUBSYSTEMS, SUBSYSTEMS} from '../../runtime/cluster/subsystems.js'
import {clusterUp} from '../../runtime/cluster/supervisor.js'

const startTimes = PEER_KINDS.filter((p) => p.startMs > 0)
  .map((p) => `${p.kind} ${formatDurationMs(p.startMs)}`)
  .join(', ')

export default class ClusterUp extends DsysCommand {
  static override summary = 'Start a local cluster: every dsys subsystem, or the ones named by flags'
  static override description = `The Multi-Paxos KV (--paxos N, with Flexible Paxos quorums --q1/--q2) starts only when named. etcd, ZooKeeper and Redis (--etcd, --zookeeper, --redis) start only when named; they run from their Debian packages (etcd-server, zookeeperd, redis-server) as supervised nodes, with their data and logs in the data directory. A peer gets at least its start time to become healthy, whatever --timeout says (${startTimes}).`
  static override examples = [
    '<%= config.bin %> cluster up',
    '<%= config.bin %> cluster up --lock',
    '<%= config.bin %> cluster up --raft 5',
    '<%= config.bin %> cluster up --raft 3 --paxos 3',
    '<%= config.bin %> cluster up --paxos 5 --q1 4 --q2 2',
    '<%= config.bin %> cluster up --ring 4 --ring-algo maglev',
    '<%= config.bin %> cluster up --base-port 7000',
    '<%= config.bin %> cluster up --lock-replicas 3 --etcd 3 --zookeeper 3 --redis 3',
  ]

  static override flags = {
    lock: Flags.boolean({description: 'start the lock server'}),
    raft: positiveIntFlag({description: 'start N Raft KV replicas (default 3 when all start)'}),
    ring: positiveIntFlag({description: 'start the ring router with N shards (default 3 when all start)'}),
    'ring-algo': Flags.string({description: 'placement algorithm of the ring router', default: 'ring'}),
    txn: positiveIntFlag({description: 'start the 2PC coordinator with N participants (default 3 when all start)'}),
    'lock-replicas': positiveIntFlag({description: 'start N replicated lock replicas (default 3 when all start)'}),
    paxos: positiveIntFlag({description: 'start N Multi-Paxos KV replicas (only when named)'}),
    q1: positiveIntFlag({description: 'Paxos phase-1 (election) quorum size; q1 + q2 must exceed N (default: a majority)', dependsOn: ['paxos']}),
    q2: positiveIntFlag({description: 'Paxos phase-2 (write) quorum size (default: a majority)', dependsOn: ['paxos']}),
    etcd: positiveIntFlag({description: 'start an etcd cluster of N members (only when named)'}),
    zookeeper: positiveIntFlag({description: 'start a ZooKeeper ensemble of N servers (only when named)'}),
    redis: positiveIntFlag({description: 'start N independent Redis servers (only when named)'}),
    host: Flags.string({description: 'address the nodes bind (127.0.0.1 keeps them private)', default: '127.0.0.1'}),
    'base-port': positiveIntFlag({description: 'consecutive ports from here instead of free ones'}),
    timeout: durationFlag({description: 'how long to wait for every node to be healthy', default: 15_000, min: 1}),
  }

  async run() {
    const {flags} = await this.parse(ClusterUp)
    const requested: Record<string, boolean | number | undefined> = {
      lock: flags.lock,
      raft: flags.raft,
      ring: flags.ring,
      txn: flags.txn,
      'lock-replica': flags['lock-replicas'],
      paxos: flags.paxos,
      etcd: flags.etcd,
      zookeeper: flags.zookeeper,
      redis: flags.redis,
    }
    const named = Object.keys(requested).filter((name) => requested[name])
    const available = [...SUBSYSTEMS, ...NAMED_SUBSYSTEMS, ...PEER_SUBSYSTEMS]
    for (const name of named) {
      if (!available.some((s) => s.name === name)) this.usageError(`the ${name} subsystem is not available in this build; available: ${available.map((s) => s.name).join(', ')}`)
    }
    const subsystems = named.length > 0 ? available.filter((s) => named.includes(s.name)) : SUBSYSTEMS
    const plans = subsystems.flatMap((s) => {
      const size = requested[s.name]
      return s.plan({size: typeof size === 'number' ? size : undefined, ringAlgorithm: flags['ring-algo'], q1: flags.q1, q2: flags.q2})
    })
    const {state} = await clusterUp({dataDir: flags['data-dir'], host: flags.host, basePort: flags['base-port'], plans, healthTimeoutMs: flags.timeout})
    if (!this.jsonEnabled()) {
      this.log(upTable(state.nodes))
      this.log(`cluster up: ${state.nodes.length} node(s); state in ${join(flags['data-dir'], CLUSTER_FILE)}, each node's data and log in ${join(flags['data-dir'], '<node>')}`)
    }
    return state
  }
}

/** The nodes started. No data column: each node's directory is the data directory and its name, said once below the table, so a long path cannot widen the table past 100 columns. */
export function upTable(nodes: readonly NodeRecord[]): string {
  return renderTable(['node', 'kind', 'pid', 'url'], nodes.map((n) => [n.name, n.kind, n.pid, n.url]))
}
