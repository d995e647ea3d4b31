import {UsageError} from '../core/common/usage-error.js'
import type {NodeRecord} from '../runtime/cluster/cluster-state.js'
import {address, nodesOfKind, nodesServing} from './targets.js'

/** A key-value service `--target` names: dsys KV replicas (Raft or Multi-Paxos) by their URLs, or etcd. */
export type KvTargetSpec =
  | {readonly kind: 'dsys'; readonly urls: string[]; /** The local cluster's nodes behind the URLs (what `check kv` faults). */ readonly nodes: NodeRecord[]}
  | {readonly kind: 'etcd'; readonly target: string; readonly nodes: NodeRecord[]}

export const KV_TARGET_USAGE =
  'raft (the local cluster\'s Raft replicas, the default), paxos (its Multi-Paxos replicas), etcd (its etcd members), http://HOST:PORT[,HOST:PORT...] (dsys KV replicas of either protocol) or etcd://HOST:PORT[,HOST:PORT...]'

/** Resolves `--target` (undefined: the local Raft replicas); nothing is contacted yet (the target's preflight does that). */
export function resolveKvTarget(target: string | undefined, dataDir: string): KvTargetSpec {
  const spec = target ?? 'raft'
  const scheme = /^([a-z]+):\/\//.exec(spec)?.[1]
  const hosts = address(spec).split(',')
  switch (scheme) {
    case 'http':
      return {kind: 'dsys', urls: hosts.map((h) => `http://${h}`), nodes: nodesServing(spec, dataDir)}
    case 'etcd':
      return {kind: 'etcd', target: spec, nodes: nodesServing(spec, dataDir)}
    case undefined:
      break
    default:
      throw new UsageError(`--target ${spec}: unknown scheme "${scheme}://"; --target takes ${KV_TARGET_USAGE}`)
  }
  switch (spec) {
    case 'raft': {
      const nodes = nodesOfKind(dataDir, 'raft-node', '--raft 3')
      return {kind: 'dsys', urls: nodes.map((n) => n.url), nodes}
    }
    case 'paxos': {
      const nodes = nodesOfKind(dataDir, 'paxos', '--paxos 3')
      return {kind: 'dsys', urls: nodes.map((n) => n.url), nodes}
    }
    case 'etcd': {
      const nodes = nodesOfKind(dataDir, 'etcd', '--etcd 3')
      return {kind: 'etcd', target: `etcd://${nodes.map((n) => address(n.url)).join(',')}`, nodes}
    }
    default:
      throw new UsageError(`--target "${spec}" is neither a URL nor a name of what the cluster runs; --target takes ${KV_TARGET_USAGE}`)
  }
}
