import {realEnv} from '../../runtime/env/real-env.js'
import {conflict, tooLarge, unavailable} from '../../runtime/net/http-error.js'
import {LOCK_LIMITS} from '../../core/lock/limits.js'
import {Reply} from '../../core/lock/types.js'
import {parseBody} from '../../runtime/net/validate.js'
import {runNode} from '../run-node.js'
import {LockService} from './lock-service.js'

const owner = {type: 'string', minLength: 1, maxLength: LOCK_LIMITS.ownerLength} as const
const ttlMs = {type: 'int', min: 1, max: LOCK_LIMITS.ttlMsMax} as const
const token = {type: 'int', min: 1} as const
const acquireBody = {owner, ttlMs, waitMs: {type: 'int', min: 0, max: LOCK_LIMITS.waitMsMax}} as const
const renewBody = {owner, token, ttlMs} as const
const releaseBody = {owner, token} as const

function lockName(params: Record<string, string>): string {
  const name = params.name
  if (name.length > LOCK_LIMITS.nameLength) throw tooLarge(`lock name is ${name.length} characters; the limit is ${LOCK_LIMITS.nameLength}`)
  return name
}

/** Maps the table's reply to the HTTP answer of DESIGN.md's lock API. */
function answer(reply: Reply) {
  switch (reply.type) {
    case 'granted':
      return {body: {token: reply.token, expiresAt: reply.expiresAt, waitedMs: reply.waitedMs}}
    case 'renewed':
      return {body: {expiresAt: reply.expiresAt}}
    case 'released':
      return {body: {ok: true}}
    case 'timeout':
      throw conflict(`no grant within the wait of ${reply.waitedMs}ms`, {reason: 'timeout', waitedMs: reply.waitedMs})
    case 'rejected':
      if (reply.reason === 'queue-full' || reply.reason === 'unavailable') throw unavailable(reply.message, {reason: reply.reason})
      throw conflict(reply.message, {reason: reply.reason})
  }
}

await runNode('lock-server', async (config, log) => {
  const service = new LockService(realEnv(), config.dataDir)
  log.info('lock table recovered', {reservation: service.recoveredFrom ?? null})
  return {
    maxBodyBytes: LOCK_LIMITS.bodyBytes,
    health: () => service.health(),
    close: async () => service.close(),
    routes: [
      {
        method: 'POST',
        path: '/locks/:name/acquire',
        handler: async (request) => {
          const req = parseBody(request.body, acquireBody)
          return answer(await service.acquire(lockName(request.params), req.owner, req.ttlMs, req.waitMs, (listener) => request.onAbort(listener)))
        },
      },
      {
        method: 'POST',
        path: '/locks/:name/renew',
        handler: async (request) => {
          const req = parseBody(request.body, renewBody)
          return answer(await service.renew(lockName(request.params), req.owner, req.token, req.ttlMs, (listener) => request.onAbort(listener)))
        },
      },
      {
        method: 'POST',
        path: '/locks/:name/release',
        handler: async ({params, body}) => {
          const req = parseBody(body, releaseBody)
          return answer(await service.release(lockName(params), req.owner, req.token))
        },
      },
      {method: 'GET', path: '/locks/:name', handler: ({params}) => ({body: service.inspect(lockName(params))})},
    ],
  }
})
