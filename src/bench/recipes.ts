import {HttpGetWorkload} from './http/http-workload.js'
import {DsysKvTarget} from './kv/dsys-kv-target.js'
import {EtcdKvTarget} from './kv/etcd-kv-target.js'
import type {KvTarget} from './kv/kv-target.js'
import {KvWorkload} from './kv/kv-workload.js'
import {DsysLockBackend} from './lock/dsys-lock-backend.js'
import {EtcdLockBackend} from './lock/etcd-lock-backend.js'
import type {LockBackend} from './lock/lock-backend.js'
import {LockWorkload} from './lock/lock-workload.js'
import {RedisLockBackend} from './lock/redis-lock-backend.js'
import {RedlockBackend} from './lock/redlock-backend.js'
import {ZkLockBackend} from './lock/zk-lock-backend.js'
import {RouterKvTarget} from './ring/router-kv-target.js'
import {TxnWorkload} from './txn/txn-workload.js'
import type {KvTargetRecipe, LockBackendRecipe, Workload, WorkloadRecipe} from './workload.js'

/** Opens, in a worker thread, the workload a recipe describes, for `clients` of the run's clients. */
export async function openWorkload(recipe: WorkloadRecipe, clients: number): Promise<Workload> {
  switch (recipe.kind) {
    case 'http':
      return new HttpGetWorkload(recipe.url, clients, recipe.transport)
    case 'kv':
      return new KvWorkload(openKvTarget(recipe.target, clients), recipe.options)
    case 'lock':
      return new LockWorkload(openLockBackend(recipe.backend, clients), recipe.options, recipe.memory)
    case 'txn':
      return TxnWorkload.create({coordinator: recipe.coordinator, participants: recipe.participants}, recipe.choice, clients, recipe.seed)
    default: {
      const _exhaustive: never = recipe
      throw new Error(`unknown workload recipe ${JSON.stringify(_exhaustive)}`)
    }
  }
}

/** The lock backend a recipe describes, for `clients` clients: how `--target` opens one too (src/cli/lock-targets.ts). */
export function openLockBackend(recipe: LockBackendRecipe, clients: number): LockBackend {
  switch (recipe.kind) {
    case 'dsys':
      return new DsysLockBackend(recipe.url, clients)
    case 'redis':
      return new RedisLockBackend(recipe.url, recipe.retryDelayMs)
    case 'redlock':
      return new RedlockBackend(recipe.target, recipe.retryDelayMs)
    case 'etcd':
      return new EtcdLockBackend(recipe.target, clients)
    case 'zookeeper':
      return new ZkLockBackend(recipe.target)
    default: {
      const _exhaustive: never = recipe
      throw new Error(`unknown lock backend recipe ${JSON.stringify(_exhaustive)}`)
    }
  }
}

function openKvTarget(recipe: KvTargetRecipe, clients: number): KvTarget {
  switch (recipe.kind) {
    case 'dsys':
      return new DsysKvTarget(recipe.urls, clients, recipe.opTimeoutMs)
    case 'etcd':
      return new EtcdKvTarget(recipe.name, clients, recipe.opTimeoutMs, recipe.attemptTimeoutMs)
    case 'router':
      return new RouterKvTarget(recipe.url, clients)
    default: {
      const _exhaustive: never = recipe
      throw new Error(`unknown kv target recipe ${JSON.stringify(_exhaustive)}`)
    }
  }
}
