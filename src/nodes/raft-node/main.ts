import type {ClientSession, KvCommand, KvResult} from '../../core/kv/commands.js'
import {KV_LIMITS} from '../../core/kv/limits.js'
import {badRequest, HttpError, notFound} from '../../runtime/net/http-error.js'
import type {HttpReply} from '../../runtime/net/json-server.js'
import {parseBody} from '../../runtime/net/validate.js'
import {runNode} from '../run-node.js'
import {MAX_PEER_BODY_BYTES, raftPeerRoute} from './peer-transport.js'
import {processEnvironment} from './process-environment.js'
import {parseRaftNodeOptions} from './raft-node-options.js'
import {KvMachine, type KvReplica} from './kv-machine.js'
import {atLeader} from './not-leader-error.js'
import {RaftReplica} from './raft-replica.js'

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

await runNode('raft-node', async (config, log) => {
  const options = parseRaftNodeOptions(config.options, config.id)
  const environment = processEnvironment(config.id, options, log, (messages) => replica.receive(messages))
  const replica: KvReplica = RaftReplica.open(config.id, config.dataDir, options, environment, new KvMachine())
  const write = (command: KvCommand) => replica.write(command).then(answerWrite)
  const kvPath = (key: string, suffix = '') => `/kv/${encodeURIComponent(key)}${suffix}`
  return {
    // Client requests are bounded tighter by KV_LIMITS, field by field (413).
    maxBodyBytes: MAX_PEER_BODY_BYTES,
    health: () => replica.health(),
    close: () => replica.close(),
    partition: replica.partition,
    routes: [
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
      raftPeerRoute(replica),
    ],
  }
})
