import {join} from 'node:path'

import {notFound} from '../../runtime/net/http-error.js'
import {RING_LIMITS} from '../../core/ring-live/index.js'
import {keyField, pathKey, valueField} from '../../runtime/wire/ring-kv-request.js'
import {parseBody} from '../../runtime/net/validate.js'
import {KvStore} from '../../runtime/storage/kv-store.js'
import {runNode} from '../run-node.js'
import {ShardStore} from './shard-store.js'

const keyList = {type: 'array', maxItems: RING_LIMITS.batchItems, items: {key: keyField}} as const

/**
 * A ring shard: the KV API of DESIGN.md on a durable KvStore (every write is
 * answered after its fsync), plus the batch endpoints the router's
 * migration uses: list keys, get/put/delete many.
 */
await runNode('ring-shard', async (config, log) => {
  const store = new ShardStore(KvStore.open(join(config.dataDir, 'kv')))
  log.info('kv store recovered', {keys: store.size})
  return {
    maxBodyBytes: RING_LIMITS.shardBodyBytes,
    health: () => store.health(),
    close: () => store.close(),
    routes: [
      {
        method: 'GET',
        path: '/kv/:key',
        handler: ({params}) => {
          const key = pathKey(params)
          const value = store.get(key)
          if (value === undefined) throw notFound(`no key "${key}"`)
          return {body: {key, value}}
        },
      },
      {
        method: 'PUT',
        path: '/kv/:key',
        handler: async ({params, body}) => {
          const key = pathKey(params)
          const {value} = parseBody(body, {value: valueField})
          await store.put(key, value)
          return {body: {ok: true}}
        },
      },
      {
        method: 'DELETE',
        path: '/kv/:key',
        handler: async ({params, body}) => {
          parseBody(body ?? {}, {})
          await store.delete(pathKey(params))
          return {body: {ok: true}}
        },
      },
      // A snapshot of every key: the migration's scan. One array, so a shard's key count is bounded by what one response can carry.
      {method: 'GET', path: '/keys', handler: () => ({body: {keys: store.keys()}})},
      {
        method: 'POST',
        path: '/batch/get',
        handler: ({body}) => {
          const {keys} = parseBody(body, {keys: keyList})
          return {body: {entries: keys.map(({key}) => ({key, value: store.get(key) ?? null}))}}
        },
      },
      {
        method: 'POST',
        path: '/batch/put',
        handler: async ({body}) => {
          const req = parseBody(body, {entries: {type: 'array', maxItems: RING_LIMITS.batchItems, items: {key: keyField, value: valueField}}, ifAbsent: {type: 'boolean'}})
          return {body: {written: await store.putMany(req.entries, req.ifAbsent)}}
        },
      },
      {
        method: 'POST',
        path: '/batch/delete',
        handler: async ({body}) => {
          const {keys} = parseBody(body, {keys: keyList})
          return {body: {deleted: await store.deleteMany(keys.map(({key}) => key))}}
        },
      },
    ],
  }
})
