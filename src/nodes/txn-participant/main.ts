import {realEnv} from '../../runtime/env/real-env.js'
import {notFound} from '../../runtime/net/http-error.js'
import {runNode} from '../run-node.js'
import {failpointRoute} from '../txn-common/failpoint-route.js'
import {MESSAGES_PATH} from '../txn-common/peer-transport.js'
import {kvKey, parseMessages, TXN_LIMITS} from '../txn-common/wire.js'
import {parseParticipantOptions} from './options.js'
import {ParticipantService} from './participant-service.js'

await runNode('txn-participant', async (config, log) => {
  const service = new ParticipantService(config.dataDir, parseParticipantOptions(config.options), config.id, log, realEnv())
  log.info('participant recovered', service.recovery)
  return {
    maxBodyBytes: TXN_LIMITS.bodyBytes,
    health: () => service.health(),
    close: () => service.close(),
    partition: service.partition,
    routes: [
      {
        method: 'POST',
        path: MESSAGES_PATH,
        handler: ({body}) => {
          service.receive(parseMessages(body))
          return {body: {ok: true}}
        },
      },
      {
        method: 'GET',
        path: '/kv/:key',
        handler: ({params}) => {
          const key = kvKey(params)
          const value = service.read(key)
          if (value === undefined) throw notFound(`key "${key}" has no committed value`)
          return {body: {key, value}}
        },
      },
      failpointRoute('participant', (name) => service.arm(name), log),
    ],
  }
})
