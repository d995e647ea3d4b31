import {LOCK_LIMITS} from '../../core/lock/limits.js'
import type {LockReply, LockState} from '../../core/lock/types.js'
import {conflict, tooLarge, unavailable} from '../../runtime/net/http-error.js'
import type {HttpReply, Route} from '../../runtime/net/json-server.js'
import {parseBody, type Parsed, type Schema} from '../../runtime/net/validate.js'

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
  /** POST /locks/:name/<verb>: the body checked whole, then the name, then the call. */
  const post = <S extends Schema>(verb: string, schema: S, call: (name: string, req: Parsed<S>, onAbort: OnAbort) => Promise<LockReply>): Route => ({
    method: 'POST',
    path: `/locks/:name/${verb}`,
    handler: (request) => {
      const req = parseBody(request.body, schema)
      const name = lockName(request.params)
      return serve(path(name, `/${verb}`), async () => answer(await call(name, req, (listener) => request.onAbort(listener))))
    },
  })
  return [
    post('acquire', acquireBody, (name, req, onAbort) => api.acquire(name, req.owner, req.ttlMs, req.waitMs, onAbort)),
    post('renew', renewBody, (name, req, onAbort) => api.renew(name, req.owner, req.token, req.ttlMs, onAbort)),
    post('release', releaseBody, (name, req) => api.release(name, req.owner, req.token)),
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
