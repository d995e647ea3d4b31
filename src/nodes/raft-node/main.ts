import {KvMachine} from '../kv-common/kv-machine.js'
import {kvNode} from '../kv-common/kv-routes.js'
import {processEnvironment} from '../replica/process-environment.js'
import {parseRaftNodeOptions} from '../replica/replica-options.js'
import {runNode} from '../run-node.js'
import {openRaftReplica, type RaftProtocol} from './raft-consensus.js'
import {RAFT_WIRE} from './raft-wire.js'

await runNode('raft-node', async (config, log) => {
  const options = parseRaftNodeOptions(config.options, config.id)
  const environment = processEnvironment<RaftProtocol>(config.id, options, RAFT_WIRE, log, (messages) => replica.receive(messages))
  const replica = openRaftReplica(config.id, config.dataDir, options, environment, new KvMachine())
  return kvNode(replica, RAFT_WIRE)
})
