import {decodeBatch, encodeBatch, encodeCommand, type KvCommand, type KvResult} from '../../core/kv/commands.js'
import {KvStateMachine} from '../../core/kv/state-machine.js'
import type {Protocol} from '../replica/consensus.js'
import type {Replica} from '../replica/replica.js'
import type {EntryCodec, ReplicatedMachine} from '../replica/replicated-machine.js'

/** Writes that arrive between two Readies go in one entry, up to this many (one message per follower carries them all). */
const MAX_BATCH_WRITES = 512

const KV_CODEC: EntryCodec<KvCommand> = {encode: encodeCommand, entry: encodeBatch, decode: decodeBatch, maxCommands: MAX_BATCH_WRITES}

/** The replicated KV's string map (on Raft or Multi-Paxos). */
export class KvMachine extends KvStateMachine implements ReplicatedMachine<KvCommand, KvResult> {
  readonly codec = KV_CODEC

  summary(): Record<string, unknown> {
    return {keys: this.size}
  }
}

export type KvReplica<P extends Protocol = Protocol> = Replica<KvCommand, KvResult, KvMachine, P>
