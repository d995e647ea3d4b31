import {invariant} from '../common/invariant.js'
import type {TxnId} from './types.js'

interface KeyLock {
  writer: TxnId | undefined
  readers: Set<TxnId>
}

/** A held lock that stopped a transaction from preparing. */
export interface LockConflict {
  key: string
  holder: TxnId
}

/**
 * Per-key locks of a participant's prepared transactions: exclusive for keys
 * a transaction writes, shared for keys it only has conditions on (the
 * condition must still hold when it commits, so nobody may write the key
 * meanwhile; other readers do no harm).
 *
 * No-wait: a request that conflicts fails at once and the participant votes
 * no, instead of queueing. A prepared transaction holds its locks until the
 * coordinator decides, which can take a coordinator restart, so a wait would
 * be unbounded; and with no waiting there is no waits-for cycle, so no
 * deadlock detection and no distributed deadlock are needed. The price is
 * more aborts under contention, which the client sees as reason `conflict`.
 * A prepare that asks for it (PrepareMessage.lockWaitMs) may instead wait, for
 * a bounded time and holding no locks (Participant.waiting): still no cycle.
 */
export class KeyLocks {
  private readonly locks = new Map<string, KeyLock>()

  get lockedKeyCount(): number {
    return this.locks.size
  }

  /** The first conflicting lock, or undefined when `txn` could take them all. */
  conflict(txn: TxnId, writeKeys: readonly string[], readKeys: readonly string[]): LockConflict | undefined {
    for (const key of writeKeys) {
      const lock = this.locks.get(key)
      if (!lock) continue
      if (lock.writer !== undefined && lock.writer !== txn) return {key, holder: lock.writer}
      for (const reader of lock.readers) if (reader !== txn) return {key, holder: reader}
    }
    for (const key of readKeys) {
      const writer = this.locks.get(key)?.writer
      if (writer !== undefined && writer !== txn) return {key, holder: writer}
    }
    return undefined
  }

  /** Takes every lock; the caller checked `conflict` first (or is restoring a durable prepare). */
  acquire(txn: TxnId, writeKeys: readonly string[], readKeys: readonly string[]): void {
    const conflict = this.conflict(txn, writeKeys, readKeys)
    invariant(conflict === undefined, `txn ${txn} locks key ${conflict?.key} held by txn ${conflict?.holder}`)
    for (const key of writeKeys) this.lockFor(key).writer = txn
    for (const key of readKeys) this.lockFor(key).readers.add(txn)
  }

  release(txn: TxnId, writeKeys: readonly string[], readKeys: readonly string[]): void {
    for (const key of [...writeKeys, ...readKeys]) {
      const lock = this.locks.get(key)
      if (!lock) continue
      if (lock.writer === txn) lock.writer = undefined
      lock.readers.delete(txn)
      if (lock.writer === undefined && lock.readers.size === 0) this.locks.delete(key)
    }
  }

  private lockFor(key: string): KeyLock {
    let lock = this.locks.get(key)
    if (!lock) {
      lock = {writer: undefined, readers: new Set()}
      this.locks.set(key, lock)
    }
    return lock
  }
}
