import {checkQuorums} from '../../../src/core/paxos/config.js'
import type {Message} from '../../../src/core/paxos/index.js'
import {KvMachine} from '../../../src/nodes/kv-common/kv-machine.js'
import {openPaxosReplica, paxosWire, type PaxosProtocol} from '../../../src/nodes/paxos/paxos-consensus.js'
import type {KvSimProtocol} from '../replica/kv-sim-cluster.js'
import {paxosDurableView, PaxosSafetyChecker, type PaxosDurable} from './paxos-safety-checker.js'

/**
 * The Multi-Paxos KV in the KV simulation: the production replica
 * (openPaxosReplica), its wire, and the Paxos safety checks. A seed picks
 * majority quorums or a Flexible Paxos pair (q1 + q2 > n): for three
 * replicas q1 = 3, q2 = 1 (the leader alone chooses); for five, q1 = 4,
 * q2 = 2 or q1 = 2, q2 = 4.
 */
export const paxosKvSim: KvSimProtocol<PaxosProtocol, PaxosDurable> = {
  settings(rng, nodes) {
    const flexible = nodes === 3 ? [{q1: 3, q2: 1}] : [{q1: 4, q2: 2}, {q1: 2, q2: 4}]
    const pick = rng.int(2 * flexible.length)
    return pick < flexible.length ? flexible[pick] : {}
  },
  open: (id, dataDir, options, environment) => openPaxosReplica(id, dataDir, options, environment, new KvMachine()),
  parser: (ids) => paxosWire(ids).parse,
  durable: paxosDurableView,
  checker: (options) => new PaxosSafetyChecker(checkQuorums(Object.keys(options.peers).length, options.q1, options.q2).q2),
  acknowledges: (m: Message) => m.type === 'accepted' && m.slots.length > 0,
}
