import {realEnv} from '../../runtime/env/real-env.js'
import {failStop} from '../../runtime/net/fail-stop.js'
import type {Logger} from '../../runtime/net/node-log.js'
import type {NodeId, Protocol} from './consensus.js'
import {PeerTransport, type PeerWire} from './peer-transport.js'
import type {ReplicaOptions} from './replica-options.js'
import type {ReplicaEnvironment} from './ready-loop.js'

/** What a replica runs on in a node process: the real Env, HTTP to its peers, and fail-stop when the loop cannot go on. */
export function processEnvironment<P extends Protocol>(
  id: NodeId,
  options: ReplicaOptions,
  wire: PeerWire<P['message']>,
  log: Logger,
  receive: (messages: P['message'][]) => void,
): ReplicaEnvironment<P> {
  return {
    env: realEnv(),
    transport: new PeerTransport(options.peers, id, wire, receive),
    log,
    onFatal: (err) => failStop(log, 'replica loop failed', err),
  }
}
