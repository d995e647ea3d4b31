import type {Message} from '../../../src/core/raft/index.js'
import {KvMachine} from '../../../src/nodes/kv-common/kv-machine.js'
import {openRaftReplica, type RaftProtocol} from '../../../src/nodes/raft-node/raft-consensus.js'
import {RAFT_WIRE} from '../../../src/nodes/raft-node/raft-wire.js'
import type {KvSimProtocol} from '../replica/kv-sim-cluster.js'
import {raftDurableView, SafetyChecker, type RaftDurable} from './safety-checker.js'

/** The Raft KV in the KV simulation: RaftReplica, its wire, and the Raft safety properties (Figure 3). */
export const raftKvSim: KvSimProtocol<RaftProtocol, RaftDurable> = {
  settings: (rng) => ({readOnly: rng.next() < 0.3 ? 'leaseBased' : 'safe'}),
  open: (id, dataDir, options, environment) => openRaftReplica(id, dataDir, options, environment, new KvMachine()),
  parser: () => RAFT_WIRE.parse,
  durable: raftDurableView,
  checker: () => new SafetyChecker(),
  acknowledges: (m: Message) => m.type === 'appendEntriesResponse' && !m.reject,
}
