/**
 * The commands a Raft KV replicates: each is one log entry's data (JSON).
 * A write may carry a client session (clientId, seq) so that a retried write
 * is applied at most once (Raft thesis §6.3).
 */
export interface ClientSession {
  readonly clientId: string
  /** Increases with each new write of that client; a retry reuses its seq. */
  readonly seq: number
}

export type KvCommand =
  | {readonly op: 'put'; readonly key: string; readonly value: string; readonly session?: ClientSession}
  | {readonly op: 'delete'; readonly key: string; readonly session?: ClientSession}
  | {readonly op: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string; readonly session?: ClientSession}

/**
 * What applying a write produced. `stale` answers a retry of a write older
 * than the session's last one: its result is no longer remembered.
 */
export type KvResult =
  | {readonly type: 'ok'}
  | {readonly type: 'casFailed'; readonly current: string | null}
  | {readonly type: 'stale'; readonly lastSeq: number}

export function encodeCommand(command: KvCommand): string {
  return JSON.stringify(command)
}

/**
 * A log entry holds a batch of commands, a JSON array: a replica proposes
 * every write that arrived while the previous Ready was being persisted as
 * one entry, so one AppendEntries and one response per follower carry the
 * whole batch (the "batching" of Raft thesis §10.2.2, done above the core).
 */
export function encodeBatch(encodedCommands: readonly string[]): string {
  return `[${encodedCommands.join(',')}]`
}

/** Entries are written only by replicas from validated requests, so a parse is trusted. */
export function decodeBatch(data: string): KvCommand[] {
  return JSON.parse(data) as KvCommand[]
}
