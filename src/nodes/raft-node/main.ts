import type {ClientSession, KvCommand, KvResult} from '../../core/kv/commands.js'
import {KV_LIMITS} from '../../core/kv/limits.js'
import {badRequest, HttpError, notFound} from '../../runtime/net/http-error.js'
import type {HttpReply} from '../../runtime/net/json-server.js'
import {parseBody} from '../../runtime/net/validate.js'
import {realEnv} from '../../runtime/env/real-env.js'
import {failStop} from '../../runtime/net/fail-stop.js'
import {runNode} from '../run-node.js'
import {PeerTransport, RAFT_MESSAGES_PATH} from './peer-transport.js'
import {parseRaftMessages} from './raft-wire.js'
import {parseRaftNodeOptions} from './raft-node-options.js'
import {KvMachine, type KvReplica} from './kv-machine.js'
import {NotLeaderError, RaftReplica} from './raft-replica.js'

/**
 * Request bodies may be this large: peer batches carry AppendEntries (up to
 * 1 MiB of entries each) and whole snapshots. Client requests are bounded
 * tighter by KV_LIMITS, field by field (413).
 */
const MAX_BODY_BYTES = 64 * 1024 * 1024

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

/** Followers redirect: the client learns the leader once and then talks to it directly (no extra hop per request). */
async function atLeader(path: string, serve: () => Promise<HttpReply>): Promise<HttpReply> {
  try {
    return await serve()
  } catch (err) {
    if (!(err instanceof NotLeaderError)) throw err
    return {status: 307, headers: {location: `${err.leaderUrl}${path}`}, body: {error: err.message, leader: err.leaderId, leaderUrl: err.leaderUrl}}
  }
}

await runNode('raft-node', async (config, log) => {
  const options = parseRaftNodeOptions(config.options, config.id)
  const replica: KvReplica = RaftReplica.open(
    config.id,
    config.dataDir,
    options,
    {
      env: realEnv(),
      transport: new PeerTransport(options.peers, config.id, (messages) => replica.receive(messages)),
      log,
      onFatal: (err) => failStop(log, 'raft loop failed', err),
    },
    new KvMachine(),
  )
  const write = (command: KvCommand) => replica.write(command).then(answerWrite)
  const kvPath = (key: string, suffix = '') => `/kv/${encodeURIComponent(key)}${suffix}`
  return {
    maxBodyBytes: MAX_BODY_BYTES,
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
      {
        method: 'POST',
        path: RAFT_MESSAGES_PATH,
        handler: async ({body}) => {
          const replies = await replica.receiveAndReply(parseRaftMessages(body))
          return {body: replies.length === 0 ? {ok: true} : {ok: true, messages: replies}}
        },
      },
    ],
  }
})
