import {realEnv} from '../../runtime/env/real-env.js'
import {parseBody} from '../../runtime/net/validate.js'
import {liveConfig, type Membership, RING_LIMITS} from '../../core/ring-live/index.js'
import {pathKey, valueField} from '../../runtime/wire/ring-kv-request.js'
import type {NodeConfig} from '../../runtime/cluster/node-config.js'
import {runNode} from '../run-node.js'
import {RingRouter} from './ring-router.js'
import {readRouterState, type RouterState} from './router-state.js'

const optionalInt = (options: Record<string, unknown>, name: string): number | undefined => {
  const value = options[name]
  if (value === undefined) return undefined
  if (!Number.isSafeInteger(value)) throw new Error(`router option ${name} must be an integer, got ${JSON.stringify(value)}`)
  return value as number
}

/** The router's first state, from node.json: `{algorithm, shards: {name: url}, vnodes?, tableSize?, probes?}`; shard order is placement order. */
function initialState(config: NodeConfig): RouterState {
  const {algorithm, shards} = config.options
  if (typeof algorithm !== 'string') throw new Error('router option "algorithm" must be a string')
  if (shards === null || typeof shards !== 'object') throw new Error('router option "shards" must map shard names to URLs')
  const membership: Membership = {nodes: Object.keys(shards), urls: shards as Record<string, string>}
  const options = {vnodes: optionalInt(config.options, 'vnodes'), tableSize: optionalInt(config.options, 'tableSize'), probes: optionalInt(config.options, 'probes')}
  return {version: 1, algorithm, options, membership, migratingTo: null, migrations: 0}
}

/**
 * The ring router: the KV API of DESIGN.md in front of the shards, plus
 * admin endpoints that add or remove a shard and migrate the keys that
 * change owner. Membership survives restarts in router-state.json.
 */
await runNode('ring-router', async (config, log) => {
  // A restarted router trusts its durable state over node.json, which only knows the first membership.
  const env = realEnv()
  const state = readRouterState(config.dataDir, env.disk) ?? initialState(config)
  const router = new RingRouter(env, config.dataDir, state, liveConfig(state.algorithm, state.options), log)
  log.info('routing', {algorithm: state.algorithm, nodes: state.membership.nodes, migratingTo: state.migratingTo?.nodes ?? null})
  return {
    maxBodyBytes: RING_LIMITS.routerBodyBytes,
    health: () => router.health(),
    close: () => router.close(),
    routes: [
      {method: 'GET', path: '/kv/:key', handler: ({params}) => router.get(pathKey(params))},
      {
        method: 'PUT',
        path: '/kv/:key',
        handler: async ({params, body}) => {
          const key = pathKey(params)
          return router.put(key, parseBody(body, {value: valueField}).value)
        },
      },
      {method: 'DELETE', path: '/kv/:key', handler: ({params, body}) => (parseBody(body ?? {}, {}), router.delete(pathKey(params)))},
      {
        method: 'POST',
        path: '/admin/shards',
        handler: async ({body}) => {
          const req = parseBody(body, {name: {type: 'string', minLength: 1, maxLength: 200}, url: {type: 'string', minLength: 1, maxLength: 200}})
          return {status: 202, body: await router.change({type: 'add', name: req.name, url: req.url})}
        },
      },
      {
        method: 'DELETE',
        path: '/admin/shards/:name',
        handler: async ({params, body}) => (parseBody(body ?? {}, {}), {status: 202, body: await router.change({type: 'remove', name: params.name})}),
      },
      {method: 'GET', path: '/admin/migration', handler: () => ({body: router.migrationStatus()})},
    ],
  }
})
