import {requireClusterState} from '../runtime/cluster/cluster-state.js'
import {isNodeAlive} from '../runtime/cluster/processes.js'

/** The URL of the local cluster's first live node of `kind`, with a clear error when there is none. */
export function localNodeUrl(dataDir: string, kind: string): string {
  const state = requireClusterState(dataDir)
  const nodes = state.nodes.filter((n) => n.kind === kind)
  if (nodes.length === 0) throw new Error(`the cluster in ${dataDir} has no ${kind}; start one with: dsys cluster up`)
  const alive = nodes.find((n) => isNodeAlive(n.pid, n.configPath))
  if (!alive) throw new Error(`${nodes.map((n) => n.name).join(', ')} (${kind}) is not running; see: dsys cluster status`)
  return alive.url
}
