import type {ClientSession, KvCommand, KvResult} from '../../core/kv/commands.js'
import {KV_LIMITS} from '../../core/kv/limits.js'
import {badRequest, HttpError, notFound} from '../../runtime/net/http-error.js'
import type {HttpReply, Route} from '../../runtime/net/json-server.js'
import {parseBody} from '../../runtime/net/validate.js'
import type {Protocol} from '../replica/consensus.js'
import {atLeader} from '../replica/not-leader-error.js'
import {MAX_PEER_BODY_BYTES, peerRoute, type PeerWire} from '../replica/peer-transport.js'
import type {NodeApp} from '../run-node.js'
import type {KvReplica} from './kv-machine.js'

const value = {type: 'string', maxLength: KV_LIMITS.valueLength} as const
const session = {
  clientId: {type: 'string', optional: true, minLength: 1, maxLength: KV_LIMITS.clientIdLength},
  seq: {type: 'int', optional: true, min: 1},
} as const

function keyOf(params: Record<string, string>): string {
  const key = params.key
  if (key.length > KV_LIMITS.keyLength) throw new HttpError(413, `key is ${key.length} characters; the limit is ${KV_LIMITS.keyLength}`)
  return key
}

function sessionOf(req: {clientId?: string; seq?: number}): {session?: ClientSession} {
  if (req.clientId === undefined && req.seq === undefined) return {}
  if (req.clientId === undefined || req.seq === undefined) throw badRequest('clientId and seq go together')
  return {session: {clientId: req.clientId, seq: req.seq}}
}

/** Maps a write's result to DESIGN.md's answers. */
function answerWrite(result: KvResult): HttpReply {
  switch (result.type) {
    case 'ok':
      return {body: {ok: true}}
    case 'casFailed':
      return {status: 409, body: {ok: false, value: result.current}}
    case 'stale':
      throw badRequest(`seq is older than this client's last write (seq ${result.lastSeq}); its result is no longer known`)
  }
}

/** DESIGN.md's KV client API on a replica of either protocol: followers redirect to the leader, reads are linearizable. */
export function kvRoutes(replica: KvReplica): Route[] {
  const write = (command: KvCommand) => replica.write(command).then(answerWrite)
  const kvPath = (key: string, suffix = '') => `/kv/${encodeURIComponent(key)}${suffix}`
  return [
    {
      method: 'GET',
      path: '/kv/:key',
      handler: ({params}) => {
        const key = keyOf(params)
        return atLeader(kvPath(key), async () => {
          const found = await replica.read(() => replica.machine.get(key))
          if (found === undefined) throw notFound(`key "${key}" not found`)
          return {body: {key, value: found}}
        })
      },
    },
    {
      method: 'PUT',
      path: '/kv/:key',
      handler: ({params, body}) => {
        const key = keyOf(params)
        const req = parseBody(body, {value, ...session})
        return atLeader(kvPath(key), () => write({op: 'put', key, value: req.value, ...sessionOf(req)}))
      },
    },
    {
      method: 'DELETE',
      path: '/kv/:key',
      handler: ({params, body}) => {
        const key = keyOf(params)
        const req = parseBody(body ?? {}, session)
        return atLeader(kvPath(key), () => write({op: 'delete', key, ...sessionOf(req)}))
      },
    },
    {
      method: 'POST',
      path: '/kv/:key/cas',
      handler: ({params, body}) => {
        const key = keyOf(params)
        const req = parseBody(body, {expected: {...value, nullable: true}, value, ...session})
        return atLeader(kvPath(key, '/cas'), () => write({op: 'cas', key, expected: req.expected, value: req.value, ...sessionOf(req)}))
      },
    },
  ]
}

/** What runNode serves for a KV replica: the client API, the protocol's peer route, health and shutdown. */
export function kvNode<P extends Protocol>(replica: KvReplica<P>, wire: PeerWire<P['message']>): NodeApp {
  return {
    // Client requests are bounded tighter by KV_LIMITS, field by field (413).
    maxBodyBytes: MAX_PEER_BODY_BYTES,
    health: () => replica.health(),
    close: () => replica.close(),
    partition: replica.partition,
    routes: [...kvRoutes(replica), peerRoute(wire, replica)],
  }
}
