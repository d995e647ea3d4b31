import {HttpError} from '../../runtime/net/http-error.js'
import type {HttpReply} from '../../runtime/net/json-server.js'
import type {NodeId} from './consensus.js'

/** This replica is not the leader; `leaderUrl` is where the client should go. */
export class NotLeaderError extends Error {
  override name = 'NotLeaderError'

  constructor(
    readonly leaderId: NodeId,
    readonly leaderUrl: string,
  ) {
    super(`not the leader; the leader is ${leaderId} at ${leaderUrl}`)
  }
}

/** The answer to a request a replica cannot serve because it does not lead: a redirect when it knows the leader, else 503. */
export function notLeader(selfId: NodeId, leader: NodeId | null, peers: Readonly<Record<NodeId, string>>): Error {
  if (leader === null || leader === selfId) return new HttpError(503, 'leadership is changing; retry')
  return new NotLeaderError(leader, peers[leader])
}

/** Followers redirect: the client learns the leader once and then talks to it directly (no extra hop per request). */
export async function atLeader(path: string, serve: () => Promise<HttpReply>): Promise<HttpReply> {
  try {
    return await serve()
  } catch (err) {
    if (!(err instanceof NotLeaderError)) throw err
    return {status: 307, headers: {location: `${err.leaderUrl}${path}`}, body: {error: err.message, leader: err.leaderId, leaderUrl: err.leaderUrl}}
  }
}
