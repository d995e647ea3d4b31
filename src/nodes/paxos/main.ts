import {KvMachine} from '../kv-common/kv-machine.js'
import {kvNode} from '../kv-common/kv-routes.js'
import {processEnvironment} from '../replica/process-environment.js'
import {parsePaxosNodeOptions} from '../replica/replica-options.js'
import {runNode} from '../run-node.js'
import {openPaxosReplica, paxosWire, type PaxosProtocol} from './paxos-consensus.js'

await runNode('paxos', async (config, log) => {
  const options = parsePaxosNodeOptions(config.options, config.id)
  const wire = paxosWire(Object.keys(options.peers))
  const environment = processEnvironment<PaxosProtocol>(config.id, options, wire, log, (messages) => replica.receive(messages))
  const replica = openPaxosReplica(config.id, config.dataDir, options, environment, new KvMachine())
  return kvNode(replica, wire)
})
