import {Flags} from '@oclif/core'

import {DsysCommand} from '../../cli/base-command.js'
import {renderTable, summarizeHealth} from '../../report/table.js'
import {clusterStatus, type NodeStatus} from '../../runtime/cluster/supervisor.js'

export default class ClusterStatus extends DsysCommand {
  static override summary = 'Show every node of the cluster: pid, liveness, URL and what its /health says'
  static override description = `The table fits 100 columns: each node's main health fields. --wide adds the kind, the data directory and every health field.`
  static override examples = ['<%= config.bin %> cluster status', '<%= config.bin %> cluster status --wide', '<%= config.bin %> cluster status --json']

  static override flags = {
    wide: Flags.boolean({description: 'also the kind, the data directory and every /health field'}),
  }

  async run() {
    const {flags} = await this.parse(ClusterStatus)
    const nodes = await clusterStatus(flags['data-dir'])
    if (!this.jsonEnabled()) this.log(flags.wide ? wideTable(nodes) : statusTable(nodes))
    return {nodes}
  }
}

/** What a person reads first about a node of each kind; the rest is in --wide. */
const MAIN_HEALTH_FIELDS: Record<string, string[]> = {
  'lock-server': ['held', 'waiting', 'lastToken'],
  'raft-node': ['role', 'term', 'leader', 'commitIndex'],
  paxos: ['role', 'ballot', 'leader', 'commitIndex'],
  'lock-replica': ['role', 'term', 'held', 'waiting', 'lastToken'],
  'ring-router': ['algorithm'],
  'ring-shard': ['keys'],
  'txn-coordinator': ['activeTxns'],
  'txn-participant': ['inDoubtCount', 'lockedKeys', 'keys'],
  etcd: ['role', 'raftTerm', 'revision'],
  zookeeper: ['role', 'zxid'],
  redis: ['keys'],
}

/** Those fields, and what is unusual whatever the kind: recovering, peer messages dropped by a partition. */
export function mainHealth(kind: string, health: Record<string, unknown> | null): string {
  if (!health) return '-'
  const fields = MAIN_HEALTH_FIELDS[kind] ?? []
  const unusual = Object.keys(health).filter((k) => (k === 'recovering' && health[k] === true) || (k === 'partitionDropped' && Number(health[k]) > 0))
  return summarizeHealth(Object.fromEntries([...fields, ...unusual].filter((k) => k in health).map((k) => [k, health[k]])))
}

const alive = (n: NodeStatus): string => (n.alive ? (n.health ? 'yes' : 'no answer') : 'no')

/** The default table: at most `width` columns (the health column wraps). */
export function statusTable(nodes: NodeStatus[], width = 100): string {
  const head = ['node', 'pid', 'alive', 'url', 'health']
  const rows = nodes.map((n) => [n.name, String(n.pid), alive(n), n.url, mainHealth(n.kind, n.health)])
  // Each column is its longest cell plus one space each side and a border; the health column gets what is left (the first border and its own last one counted in `used`).
  const used = head.slice(0, -1).reduce((sum, h, i) => sum + Math.max(h.length, ...rows.map((r) => r[i].length)) + 3, 2)
  return renderTable(head, rows, [null, null, null, null, Math.max(20, width - used)])
}

export function wideTable(nodes: NodeStatus[]): string {
  return renderTable(
    ['node', 'kind', 'pid', 'alive', 'url', 'data', 'health'],
    nodes.map((n) => [n.name, n.kind, n.pid, alive(n), n.url, n.dataPath, summarizeHealth(n.health)]),
    [null, null, null, null, null, null, 60],
  )
}
