import {readClusterState, requireClusterState, type NodeRecord} from '../runtime/cluster/cluster-state.js'
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

/** The cluster's nodes of a kind, in name order (etcd-1, etcd-2...). */
export function nodesOfKind(dataDir: string, kind: string, flag: string): NodeRecord[] {
  const nodes = requireClusterState(dataDir).nodes.filter((n) => n.kind === kind)
  if (nodes.length === 0) throw new Error(`the cluster in ${dataDir} runs no ${kind}; start it with: dsys cluster up ${flag}`)
  return nodes.sort((a, b) => a.name.localeCompare(b.name, 'en', {numeric: true}))
}

/** A URL's HOST:PORT[,HOST:PORT...]: no scheme, no path. */
export function address(url: string): string {
  return url.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '')
}

/** The local cluster's nodes whose address is in the target (none when no cluster is up there). */
export function nodesServing(target: string, dataDir: string): NodeRecord[] {
  const addresses = new Set(address(target).split(','))
  return (readClusterState(dataDir)?.nodes ?? []).filter((n) => addresses.has(address(n.url)))
}
