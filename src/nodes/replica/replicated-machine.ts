/**
 * What a Raft replica replicates: a deterministic state machine and how its
 * commands travel in log entries. The replica machinery (ReadyLoop,
 * WriteBatcher, RaftReplica) runs any of them; the Raft KV and the
 * replicated lock are two. `apply` must be deterministic: every replica
 * applies the same commands in the same log order and must reach the same
 * state (hashicorp/raft fsm.go's contract).
 */
export interface ReplicatedMachine<Command, Result> {
  readonly codec: EntryCodec<Command>
  /** Applies one committed command; `index` is the log index of its entry. */
  apply(command: Command, index: number): Result
  serialize(): string
  /** Replaces the whole state with a snapshot's (from `serialize`; '' is the empty state). */
  restore(serialized: string): void
  /** What GET /health shows of the state. */
  summary(): Record<string, unknown>
}

/** How commands are written into entries. Entries are written only by replicas from validated requests, so a decode is trusted. */
export interface EntryCodec<Command> {
  encode(command: Command): string
  /** One entry's data from 1..maxCommands encoded commands, in order. */
  entry(encoded: readonly string[]): string
  decode(data: string): Command[]
  /** Bound on commands per entry: 1 when an entry's index must identify its command (a lock grant's token). */
  readonly maxCommands: number
}
