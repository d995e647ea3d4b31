import {unreachable} from '../common/invariant.js'
import type {ClientSession, KvCommand, KvResult} from './commands.js'
import {KV_LIMITS} from './limits.js'

interface SessionRecord {
  readonly seq: number
  readonly result: KvResult
}

interface KvSnapshot {
  readonly data: [string, string][]
  /** In least-recently-written order, so eviction replays identically after a restore. */
  readonly sessions: [string, SessionRecord][]
}

/**
 * The replicated string map. `apply` must be deterministic: every replica
 * applies the same commands in the same log order and must reach the same
 * map and the same session table (hashicorp/raft fsm.go's contract).
 */
export class KvStateMachine {
  private readonly data = new Map<string, string>()
  /** clientId → its last applied write; Map order is least recently written first. */
  private readonly sessions = new Map<string, SessionRecord>()

  constructor(private readonly maxSessions: number = KV_LIMITS.dedupClients) {}

  get size(): number {
    return this.data.size
  }

  get(key: string): string | undefined {
    return this.data.get(key)
  }

  apply(command: KvCommand): KvResult {
    const session = command.session
    if (session !== undefined) {
      const last = this.sessions.get(session.clientId)
      if (last !== undefined && session.seq === last.seq) return last.result
      if (last !== undefined && session.seq < last.seq) return {type: 'stale', lastSeq: last.seq}
    }
    const result = this.execute(command)
    if (session !== undefined) this.remember(session, result)
    return result
  }

  serialize(): string {
    const snapshot: KvSnapshot = {data: [...this.data], sessions: [...this.sessions]}
    return JSON.stringify(snapshot)
  }

  /** Replaces the whole state with a snapshot's (from `serialize`; '' is the empty state). */
  restore(serialized: string): void {
    this.data.clear()
    this.sessions.clear()
    if (serialized === '') return
    const snapshot = JSON.parse(serialized) as KvSnapshot
    for (const [key, value] of snapshot.data) this.data.set(key, value)
    for (const [clientId, record] of snapshot.sessions) this.sessions.set(clientId, record)
  }

  private execute(command: KvCommand): KvResult {
    switch (command.op) {
      case 'put':
        this.data.set(command.key, command.value)
        return {type: 'ok'}
      case 'delete':
        this.data.delete(command.key)
        return {type: 'ok'}
      case 'cas': {
        const current = this.data.get(command.key) ?? null
        if (current !== command.expected) return {type: 'casFailed', current}
        this.data.set(command.key, command.value)
        return {type: 'ok'}
      }
      default:
        return unreachable(command)
    }
  }

  private remember(session: ClientSession, result: KvResult): void {
    // Delete first so the client moves to the most recently written end.
    this.sessions.delete(session.clientId)
    this.sessions.set(session.clientId, {seq: session.seq, result})
    if (this.sessions.size > this.maxSessions) {
      const oldest = this.sessions.keys().next().value as string
      this.sessions.delete(oldest)
    }
  }
}
