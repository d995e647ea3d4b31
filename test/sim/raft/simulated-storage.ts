import type {Rng} from '../../../src/core/common/rng.js'
import {emptyHardState, type Entry, type HardState, type PersistedState, type Snapshot} from '../../../src/core/raft/index.js'

type Write =
  | {readonly kind: 'entries'; readonly entries: readonly Entry[]}
  | {readonly kind: 'hardState'; readonly hardState: HardState}
  | {readonly kind: 'snapshot'; readonly snapshot: Snapshot; readonly resetLog: boolean}

interface DurableState {
  hardState: HardState
  snapshot: Snapshot | undefined
  entries: Entry[]
}

/**
 * A node's disk as a crash sees it (after FoundationDB's AsyncFileNonDurable):
 * writes land in a page cache and become durable only at sync(); a crash keeps
 * an arbitrary prefix of the unsynced writes and loses the rest.
 */
export class SimulatedStorage {
  private readonly durable: DurableState = {hardState: emptyHardState, snapshot: undefined, entries: []}
  private unsynced: Write[] = []

  /** Stored log: delete from entries[0].index on, then append (the Ready contract). */
  appendEntries(entries: readonly Entry[]): void {
    if (entries.length > 0) this.unsynced.push({kind: 'entries', entries})
  }

  setHardState(hardState: HardState): void {
    this.unsynced.push({kind: 'hardState', hardState})
  }

  /** A leader's snapshot replaces the whole log; our own compaction drops only the prefix. */
  saveSnapshot(snapshot: Snapshot, resetLog: boolean): void {
    this.unsynced.push({kind: 'snapshot', snapshot, resetLog})
  }

  sync(): void {
    for (const write of this.unsynced) applyWrite(this.durable, write)
    this.unsynced = []
  }

  crash(rng: Rng): void {
    const kept = rng.int(this.unsynced.length + 1)
    for (const write of this.unsynced.slice(0, kept)) applyWrite(this.durable, write)
    this.unsynced = []
  }

  load(): PersistedState {
    const {hardState, snapshot, entries} = this.durable
    return {hardState, entries: [...entries], ...(snapshot === undefined ? {} : {snapshot})}
  }

  /** The synced log, for checkers. */
  durableLog(): {readonly snapshot: Snapshot | undefined; readonly entries: readonly Entry[]} {
    return this.durable
  }
}

function applyWrite(state: DurableState, write: Write): void {
  switch (write.kind) {
    case 'entries': {
      const first = write.entries[0].index
      const keep = state.entries.findIndex((e) => e.index >= first)
      if (keep >= 0) state.entries.length = keep
      const last = state.entries.at(-1)?.index ?? state.snapshot?.index ?? 0
      if (first !== last + 1) throw new Error(`storage: gap: appending ${first} after ${last}`)
      state.entries.push(...write.entries)
      return
    }
    case 'hardState':
      state.hardState = write.hardState
      return
    case 'snapshot': {
      const {snapshot} = write
      if (state.snapshot !== undefined && snapshot.index <= state.snapshot.index) return
      state.snapshot = snapshot
      state.entries = write.resetLog ? [] : state.entries.filter((e) => e.index > snapshot.index)
      return
    }
  }
}
