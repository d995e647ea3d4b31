import {LOCK_LIMITS} from '../../core/lock/limits.js'
import {parseBody} from '../../runtime/net/validate.js'
import {lockRoutes} from '../lock-common/lock-routes.js'
import type {RaftProtocol} from '../raft-node/raft-consensus.js'
import {RAFT_WIRE} from '../raft-node/raft-wire.js'
import {atLeader} from '../replica/not-leader-error.js'
import {peerRoute} from '../replica/peer-transport.js'
import {processEnvironment} from '../replica/process-environment.js'
import {parseRaftNodeOptions} from '../replica/replica-options.js'
import {runNode} from '../run-node.js'
import {LockReplica} from './lock-replica.js'

/**
 * Bound on waiting for a leader or a commit (beyond an acquire's own wait):
 * below the Raft KV's 2 s so that a client of a cluster without a quorum
 * hears 503 within 2 s. An election takes a few hundred ms.
 */
const REQUEST_TIMEOUT_MS = 1_500

/** Beside the Raft settings: how far past a lease's end its lock stays occupied (the bound on clock skew between machines). */
const TABLE_OPTIONS = {clockSkewMs: {type: 'int', optional: true, min: 0, max: 60_000}} as const

await runNode('lock-replica', async (config, log) => {
  const {clockSkewMs, ...raftOptions} = config.options
  const options = parseRaftNodeOptions({requestTimeoutMs: REQUEST_TIMEOUT_MS, ...raftOptions}, config.id)
  const tableOptions = parseBody(clockSkewMs === undefined ? {} : {clockSkewMs}, TABLE_OPTIONS, 'node.json options')
  const environment = processEnvironment<RaftProtocol>(config.id, options, RAFT_WIRE, log, (messages) => replica.receive(messages))
  const replica: LockReplica = LockReplica.open(config.id, config.dataDir, options, environment, tableOptions)
  return {
    // Client bodies keep the lock server's limit; the peer route has its own.
    maxBodyBytes: LOCK_LIMITS.bodyBytes,
    health: () => replica.health(),
    close: () => replica.close(),
    partition: replica.raft.partition,
    routes: [...lockRoutes(replica, atLeader), peerRoute(RAFT_WIRE, replica.raft)],
  }
})
