import type {FailpointName} from './failpoints.js'
import type {Message, MessageType} from './types.js'

/**
 * What a core hands its node after some inputs, in the order the node must
 * act on it (etcd-io/raft `Ready`): append `persist` to the log, fsync it if
 * `mustSync`, only then send `send`, and only then answer clients.
 *
 * Group commit: the node may take more Readies while an fsync is running, but
 * must release them strictly in order — a later Ready's messages can depend on
 * an earlier Ready's forced record (a commit re-sent after a query, before the
 * COMMIT record's fsync finished) — and append to one log in that order, so
 * that an fsync makes every earlier record durable too.
 */
export interface Ready<R> {
  send: Message[]
  persist: R[]
  /** Some record in `persist` must be on disk before any message or answer of this Ready leaves. */
  mustSync: boolean
  /** Set when an armed failpoint was reached: crash after sending, before answering (see failpoints.ts). */
  crash: FailpointName | undefined
}

export type MessageCounts = Record<MessageType, number>

/** What a core has handed out so far: the node reports messages and fsyncs per transaction from these. */
export interface OutputCounts {
  messagesSent: MessageCounts
  recordsPersisted: number
  /** Records that asked for an fsync; the node's group commit may serve many with one. */
  forcedRecords: number
}

/** The output queue shared by the coordinator and the participant. */
export class Outbox<R> {
  private readonly messagesSent: MessageCounts = {prepare: 0, commit: 0, abort: 0, 'vote-yes': 0, 'vote-no': 0, ack: 0, query: 0}
  private recordsPersisted = 0
  private forcedRecords = 0

  private send: Message[] = []
  private persist: R[] = []
  private mustSync = false
  private crash: FailpointName | undefined
  private crashed = false
  private readonly armed = new Set<FailpointName>()

  counts(): OutputCounts {
    return {messagesSent: {...this.messagesSent}, recordsPersisted: this.recordsPersisted, forcedRecords: this.forcedRecords}
  }

  /** After a failpoint fired the core is dead: it takes no more input. */
  get halted(): boolean {
    return this.crashed
  }

  message(m: Message): void {
    this.messagesSent[m.type]++
    this.send.push(m)
  }

  record(r: R, forced: boolean): void {
    this.recordsPersisted++
    if (forced) this.forcedRecords++
    this.persist.push(r)
    this.mustSync ||= forced
  }

  arm(name: FailpointName): void {
    this.armed.add(name)
  }

  /** True when `name` was armed: the core must stop right here. Fires once. */
  reached(name: FailpointName): boolean {
    if (!this.armed.delete(name)) return false
    this.crash = name
    this.crashed = true
    return true
  }

  take(): Ready<R> {
    const ready: Ready<R> = {send: this.send, persist: this.persist, mustSync: this.mustSync, crash: this.crash}
    this.send = []
    this.persist = []
    this.mustSync = false
    this.crash = undefined
    return ready
  }
}

/** Empties `items` and returns what it held. */
export function drain<T>(items: T[]): T[] {
  return items.splice(0, items.length)
}
