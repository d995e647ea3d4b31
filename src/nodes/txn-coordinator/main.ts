import {realEnv} from '../../runtime/env/real-env.js'
import {unavailable} from '../../runtime/net/http-error.js'
import {JsonClient, segment} from '../../runtime/net/json-client.js'
import {parseBody} from '../../runtime/net/validate.js'
import {runNode} from '../run-node.js'
import {failpointRoute} from '../txn-common/failpoint-route.js'
import {MESSAGES_PATH} from '../txn-common/peer-transport.js'
import {kvKey, parseMessages, TXN_LIMITS, txnRequestSchema} from '../txn-common/wire.js'
import {CoordinatorService} from './coordinator-service.js'
import {parseCoordinatorOptions} from './options.js'

await runNode('txn-coordinator', async (config, log) => {
  const options = parseCoordinatorOptions(config.options)
  const service = new CoordinatorService(config.dataDir, options, config.id, log, realEnv())
  log.info('coordinator recovered', service.recovery)
  const readers = new Map(Object.entries(options.participants).map(([name, url]) => [name, new JsonClient(url)]))
  return {
    // Peer batches stay under it too (peer-transport.ts); fields past their limits are 413 as well.
    maxBodyBytes: TXN_LIMITS.bodyBytes,
    health: () => ({participants: options.participants, ...service.health()}),
    close: async () => {
      await service.close()
      await Promise.all([...readers.values()].map((c) => c.close()))
    },
    partition: service.partition,
    routes: [
      {
        method: 'POST',
        path: '/txn',
        handler: async ({body}) => {
          const req = parseBody(body, txnRequestSchema)
          return {body: await service.run(req.writes, req.conditions ?? [], {reads: req.reads ?? [], lockWaitMs: req.lockWaitMs ?? 0})}
        },
      },
      {method: 'POST', path: MESSAGES_PATH, handler: ({body}) => (service.receive(parseMessages(body)), {body: {ok: true}})},
      {
        method: 'GET',
        path: '/kv/:key',
        handler: async (request) => {
          const key = kvKey(request.params)
          const aborter = new AbortController()
          request.onAbort(() => aborter.abort())
          const owner = service.ownerOf(key)
          const res = await readers
            .get(owner)!
            .request('GET', `/kv/${segment(key)}`, undefined, {signal: aborter.signal})
            .catch((err: Error) => {
              throw unavailable(`participant ${owner} (owner of "${key}") is unreachable: ${err.message}`)
            })
          return {status: res.status, body: {...(res.body as object), participant: owner}}
        },
      },
      failpointRoute('coordinator', (name) => service.arm(name), log),
    ],
  }
})
