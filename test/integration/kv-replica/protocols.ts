import {paxosSubsystem, raftSubsystem, type Subsystem} from '../../../src/runtime/cluster/subsystems.js'

/** The consensus protocols behind the replicated KV: both serve the same client API and promise the same, so the same tests run on each. */
export const KV_PROTOCOLS: {protocol: 'raft' | 'paxos'; subsystem: Subsystem}[] = [
  {protocol: 'raft', subsystem: raftSubsystem},
  {protocol: 'paxos', subsystem: paxosSubsystem},
]
