import type {Message, NodeId} from '../../core/raft/index.js'
import {realEnv} from '../../runtime/env/real-env.js'
import {failStop} from '../../runtime/net/fail-stop.js'
import type {Logger} from '../../runtime/net/node-log.js'
import {PeerTransport} from './peer-transport.js'
import type {RaftNodeOptions} from './raft-node-options.js'
import type {ReplicaEnvironment} from './ready-loop.js'

/** What a replica runs on in a node process: the real Env, HTTP to its peers, and fail-stop when the loop cannot go on. */
export function processEnvironment(id: NodeId, options: RaftNodeOptions, log: Logger, receive: (messages: Message[]) => void): ReplicaEnvironment {
  return {
    env: realEnv(),
    transport: new PeerTransport(options.peers, id, receive),
    log,
    onFatal: (err) => failStop(log, 'raft loop failed', err),
  }
}
