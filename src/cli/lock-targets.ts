import {openLockBackend} from '../bench/recipes.js'
import type {LockBackend} from '../bench/lock/lock-backend.js'
import type {LockBackendRecipe} from '../bench/workload.js'
import {UsageError} from '../core/common/usage-error.js'
import type {NodeRecord} from '../runtime/cluster/cluster-state.js'
import {address, localNodeUrl, nodesOfKind, nodesServing} from './targets.js'

/** A lock service `--target` names: its backend, and the local cluster's nodes behind it (what `check lock` kills and pauses). */
export interface LockTarget {
  backend: LockBackend
  /** Names of the nodes in the local cluster state that serve the target; empty for a URL of nothing the cluster runs. */
  nodes: string[]
}

export interface LockTargetOptions {
  /** The cluster's data directory (--data-dir). */
  dataDir: string
  clients: number
  /** Redis and Redlock: the pause between attempts. */
  retryDelayMs: number
}

/** The fewest independent Redis servers Redlock is meant to run on (a majority must survive one failure). */
const REDLOCK_MIN_SERVERS = 3

export const LOCK_TARGET_USAGE =
  'a URL (http(s)://HOST:PORT for a dsys lock server or lock replica, redis://HOST:PORT, redlock://H1:P1,H2:P2,H3:P3, etcd://HOST:PORT[,...], zk://HOST:PORT[,...]) or what the local cluster runs: lock-server (the default), lock-replica, etcd, zookeeper, redis, redlock'

/**
 * Resolves `--target` (undefined: the local lock server) to a backend that
 * has not been preflighted yet. A target that is no URL form nor cluster name
 * is a UsageError; a cluster name the cluster does not run, an Error naming
 * the `cluster up` flag that starts it.
 */
export function resolveLockTarget(target: string | undefined, opts: LockTargetOptions): LockTarget {
  const spec = target ?? 'lock-server'
  const fromUrl = recipeOfUrl(spec, opts.retryDelayMs)
  const {recipe, nodes} = fromUrl ? {recipe: fromUrl, nodes: nodesServing(spec, opts.dataDir).map((n) => n.name)} : clusterTarget(spec, opts)
  return {backend: openLockBackend(recipe, opts.clients), nodes}
}

function recipeOfUrl(target: string, retryDelayMs: number): LockBackendRecipe | undefined {
  const scheme = /^([a-z]+):\/\//.exec(target)?.[1]
  switch (scheme) {
    case undefined:
      return undefined
    case 'http':
    case 'https':
      return {kind: 'dsys', url: target}
    case 'redis':
      return {kind: 'redis', url: target, retryDelayMs}
    case 'redlock':
      return {kind: 'redlock', target, retryDelayMs}
    case 'etcd':
      return {kind: 'etcd', target}
    case 'zk':
      return {kind: 'zookeeper', target}
    default:
      throw new UsageError(`--target ${target}: unknown scheme "${scheme}://"; --target takes ${LOCK_TARGET_USAGE}`)
  }
}

/** A cluster name: the URLs of the nodes of its kind, in the form its backend takes (NodeRecord.url). */
function clusterTarget(name: string, opts: LockTargetOptions): {recipe: LockBackendRecipe; nodes: string[]} {
  const hosts = (nodes: NodeRecord[]): string => nodes.map((n) => address(n.url)).join(',')
  switch (name) {
    case 'lock-server': {
      const url = localNodeUrl(opts.dataDir, name)
      return {recipe: {kind: 'dsys', url}, nodes: nodesServing(url, opts.dataDir).map((n) => n.name)}
    }
    case 'lock-replica': {
      // Every replica: the backend follows a follower's redirect and moves on from one that is down.
      const nodes = nodesOfKind(opts.dataDir, 'lock-replica', '--lock-replicas 3')
      return {recipe: {kind: 'dsys', url: `http://${hosts(nodes)}`}, nodes: nodes.map((n) => n.name)}
    }
    case 'etcd': {
      const nodes = nodesOfKind(opts.dataDir, 'etcd', '--etcd 3')
      return {recipe: {kind: 'etcd', target: `etcd://${hosts(nodes)}`}, nodes: nodes.map((n) => n.name)}
    }
    case 'zookeeper': {
      const nodes = nodesOfKind(opts.dataDir, 'zookeeper', '--zookeeper 3')
      return {recipe: {kind: 'zookeeper', target: `zk://${hosts(nodes)}`}, nodes: nodes.map((n) => n.name)}
    }
    case 'redis': {
      // Redis's lock is a single server's: the first one (the others are there for Redlock).
      const [first] = nodesOfKind(opts.dataDir, 'redis', '--redis 3')
      return {recipe: {kind: 'redis', url: first.url, retryDelayMs: opts.retryDelayMs}, nodes: [first.name]}
    }
    case 'redlock': {
      const nodes = nodesOfKind(opts.dataDir, 'redis', `--redis ${REDLOCK_MIN_SERVERS}`)
      if (nodes.length < REDLOCK_MIN_SERVERS)
        throw new Error(`redlock needs ${REDLOCK_MIN_SERVERS} independent Redis servers and the cluster in ${opts.dataDir} runs ${nodes.length}; start them with: dsys cluster up --redis ${REDLOCK_MIN_SERVERS}`)
      return {recipe: {kind: 'redlock', target: `redlock://${hosts(nodes)}`, retryDelayMs: opts.retryDelayMs}, nodes: nodes.map((n) => n.name)}
    }
    default:
      throw new UsageError(`--target "${name}" is neither a URL nor a name of what the cluster runs; --target takes ${LOCK_TARGET_USAGE}`)
  }
}
