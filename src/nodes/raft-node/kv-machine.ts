import {decodeBatch, encodeBatch, encodeCommand, type KvCommand, type KvResult} from '../../core/kv/commands.js'
import {KvStateMachine} from '../../core/kv/state-machine.js'
import type {RaftReplica} from './raft-replica.js'
import type {EntryCodec, ReplicatedMachine} from './replicated-machine.js'

/** Writes that arrive between two Readies go in one entry, up to this many (one message per follower carries them all). */
const MAX_BATCH_WRITES = 512

const KV_CODEC: EntryCodec<KvCommand> = {encode: encodeCommand, entry: encodeBatch, decode: decodeBatch, maxCommands: MAX_BATCH_WRITES}

/** The Raft KV's replicated string map. */
export class KvMachine extends KvStateMachine implements ReplicatedMachine<KvCommand, KvResult> {
  readonly codec = KV_CODEC

  summary(): Record<string, unknown> {
    return {keys: this.size}
  }
}

export type KvReplica = RaftReplica<KvCommand, KvResult, KvMachine>
