import {LOCK_LIMITS} from '../../core/lock/limits.js'
import type {LockReply, LockState} from '../../core/lock/types.js'
import {conflict, tooLarge, unavailable} from '../../runtime/net/http-error.js'
import type {HttpReply, Route} from '../../runtime/net/json-server.js'
import {parseBody} from '../../runtime/net/validate.js'

/** Registers what to do if the client goes away while its request waits. */
export type OnAbort = (listener: () => void) => void

/** What serves DESIGN.md's lock API: the single lock server's LockService, or a lock replica. */
export interface LockApi {
  acquire(name: string, owner: string, ttlMs: number, waitMs: number, onAbort: OnAbort): Promise<LockReply>
  renew(name: string, owner: string, token: number, ttlMs: number, onAbort: OnAbort): Promise<LockReply>
  release(name: string, owner: string, token: number): Promise<LockReply>
  inspect(name: string): LockState | Promise<LockState>
}

/** Runs a request's service call; a replica wraps it to redirect to its leader (`path` is the request's, for the Location). */
export type Serve = (path: string, call: () => Promise<HttpReply>) => Promise<HttpReply>

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

/** Maps a lock table's reply to the HTTP answer of DESIGN.md's lock API. */
function answer(reply: LockReply): HttpReply {
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

const direct: Serve = (_path, call) => call()

/** DESIGN.md's lock API over `api`: the same request checks and answers for every node that serves locks. */
export function lockRoutes(api: LockApi, serve: Serve = direct): Route[] {
  const path = (name: string, verb = '') => `/locks/${encodeURIComponent(name)}${verb}`
  return [
    {
      method: 'POST',
      path: '/locks/:name/acquire',
      handler: (request) => {
        const req = parseBody(request.body, acquireBody)
        const name = lockName(request.params)
        return serve(path(name, '/acquire'), async () => answer(await api.acquire(name, req.owner, req.ttlMs, req.waitMs, (listener) => request.onAbort(listener))))
      },
    },
    {
      method: 'POST',
      path: '/locks/:name/renew',
      handler: (request) => {
        const req = parseBody(request.body, renewBody)
        const name = lockName(request.params)
        return serve(path(name, '/renew'), async () => answer(await api.renew(name, req.owner, req.token, req.ttlMs, (listener) => request.onAbort(listener))))
      },
    },
    {
      method: 'POST',
      path: '/locks/:name/release',
      handler: ({params, body}) => {
        const req = parseBody(body, releaseBody)
        const name = lockName(params)
        return serve(path(name, '/release'), async () => answer(await api.release(name, req.owner, req.token)))
      },
    },
    {
      method: 'GET',
      path: '/locks/:name',
      handler: ({params}) => {
        const name = lockName(params)
        return serve(path(name), async () => ({body: await api.inspect(name)}))
      },
    },
  ]
}
