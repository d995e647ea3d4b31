import {invariant} from '../../core/common/invariant.js'
import {ReplicatedLockTable, type LockAnswer, type LockCommand, type ReplicatedLockOptions} from '../../core/lock/replicated-lock-table.js'
import type {EntryCodec, ReplicatedMachine} from '../replica/replicated-machine.js'

/** One command per entry, so that a grant's token, its entry's log index, names one grant. */
const LOCK_CODEC: EntryCodec<LockCommand> = {
  encode: (command) => JSON.stringify(command),
  entry: (encoded) => {
    invariant(encoded.length === 1, `a lock entry holds one command, not ${encoded.length}`)
    return encoded[0]
  },
  decode: (data) => [JSON.parse(data) as LockCommand],
  maxCommands: 1,
}

/**
 * The replicated lock table as the Raft replica's state machine. Answers go
 * to `route` as each entry applies, on every replica: the one holding a
 * request may be a follower by the time a later entry grants it.
 */
export class LockMachine implements ReplicatedMachine<LockCommand, void> {
  readonly codec = LOCK_CODEC
  readonly table: ReplicatedLockTable

  constructor(
    /** The wall clock, for the summary's held count. */
    private readonly wallNow: () => number,
    private readonly route: (answers: readonly LockAnswer[]) => void,
    options: Partial<ReplicatedLockOptions> = {},
  ) {
    this.table = new ReplicatedLockTable(options)
  }

  apply(command: LockCommand, index: number): void {
    this.route(this.table.apply(command, index))
  }

  serialize(): string {
    return this.table.serialize()
  }

  restore(serialized: string): void {
    this.table.restore(serialized)
  }

  summary(): Record<string, unknown> {
    return this.table.summary(this.wallNow())
  }
}
