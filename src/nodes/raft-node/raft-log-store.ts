import {join} from 'node:path'

import {invariant} from '../../core/common/invariant.js'
import {realDisk, type Disk} from '../../runtime/env/disk.js'
import type {Entry, HardState, PersistedState, Ready, Snapshot} from '../../core/raft/index.js'
import {emptyHardState} from '../../core/raft/index.js'
import {loadLatestSnapshotSync, removeSnapshotsBefore, writeSnapshotSync} from '../../runtime/storage/snapshot-file.js'
import {StorageCorruptionError} from '../../runtime/storage/storage-errors.js'
import {Wal, type WalRecord, type WalStats} from '../../runtime/storage/wal.js'

/**
 * One WAL record of the Raft log. Records carry their Raft index, so replay
 * rebuilds the log by "later records override earlier ones":
 *   - `e` an entry [index, term, data]: drop every replayed entry at or after
 *     index, then append it (a new leader's overwrite of an uncommitted suffix
 *     is just the entries written again from entries[0].index);
 *   - `h` the hard state [term, vote, commit];
 *   - `s` a snapshot installed from the leader [index, term]: the log before it is void.
 */
type LogRecord = {e: [number, number, string]} | {h: [number, string | null, number]} | {s: [number, number]}

export interface RaftLogStoreOptions {
  /** WAL segment size: compaction can only drop whole segments. */
  segmentBytes: number
}

/**
 * Largest WAL record: one entry, JSON-escaped a second time inside its
 * record. The replica's batch entries hold at most 512 Ki UTF-16 units of
 * command JSON; escaping at most doubles that and UTF-8 takes at most 3 bytes
 * per unit, so 3 MiB, with room to spare.
 */
const MAX_RECORD_BYTES = 8 * 1024 * 1024

export interface RaftLogStoreStats extends WalStats {
  snapshotIndex: number
  snapshotsWritten: number
  segmentsDropped: number
}

/**
 * The durable half of a Raft replica: the log and hard state in a WAL
 * (group commit: one append, so one fsync, per Ready) and snapshots as files.
 * Layout: `<dir>/raft-wal/`, `<dir>/raft-snapshots/`.
 */
export class RaftLogStore {
  /**
   * Raft index → WAL index of the record that holds the live version of that
   * entry. The indices are contiguous and in ascending insertion order: entries
   * are only appended, truncated from the end or dropped from the front.
   */
  private readonly entryRecords = new Map<number, number>()
  private hardState: HardState
  private hardStateRecord = 0
  private snapshotsWritten = 0
  private segmentsDropped = 0

  private constructor(
    private readonly wal: Wal,
    private readonly snapshotDir: string,
    private readonly disk: Disk,
    private snapshotIndex: number,
    persisted: PersistedState,
    entryRecords: Map<number, number>,
    hardStateRecord: number,
  ) {
    this.hardState = persisted.hardState
    this.hardStateRecord = hardStateRecord
    for (const [index, record] of entryRecords) this.entryRecords.set(index, record)
  }

  /** Opens (creating if needed) the store and reads back what the node persisted. Synchronous: start-up only. */
  static open(dir: string, options: RaftLogStoreOptions, disk: Disk = realDisk): {store: RaftLogStore; persisted: PersistedState} {
    const snapshotDir = join(dir, 'raft-snapshots')
    const walDir = join(dir, 'raft-wal')
    const file = loadLatestSnapshotSync(snapshotDir, disk)
    const snapshot = file === undefined ? undefined : (JSON.parse(file.data.toString('utf8')) as Snapshot)
    const {wal, records} = Wal.open(walDir, {segmentBytes: options.segmentBytes, maxRecordBytes: MAX_RECORD_BYTES}, disk)
    const replay = replayLog(records, walDir)
    const snapshotIndex = snapshot?.index ?? 0
    // A crash between writing an installed snapshot and its `s` record leaves
    // the old log: it continues the snapshot only if it holds the snapshot's
    // last entry (log matching, §5.3); otherwise none of it may be used.
    const atSnapshot = replay.entries.find((e) => e.index === snapshotIndex)
    const continues = snapshot === undefined || atSnapshot === undefined || atSnapshot.term === snapshot.term
    const entries = continues ? replay.entries.filter((e) => e.index > snapshotIndex) : []
    if (entries.length > 0 && entries[0].index !== snapshotIndex + 1) {
      throw new StorageCorruptionError(walDir, `the log resumes at entry ${entries[0].index} but the snapshot covers only up to ${snapshotIndex}`)
    }
    const persisted: PersistedState = {hardState: replay.hardState, entries, ...(snapshot === undefined ? {} : {snapshot})}
    const live = new Map(entries.map((e) => [e.index, replay.entryRecords.get(e.index) as number]))
    return {store: new RaftLogStore(wal, snapshotDir, disk, snapshotIndex, persisted, live, replay.hardStateRecord), persisted}
  }

  /** The term and vote last made durable: messages that depend on nothing newer may go out before a persist. */
  get durableHardState(): HardState {
    return this.hardState
  }

  /**
   * Persists what a Ready asks for, in one WAL append (one fsync): the
   * installed snapshot (its file first, then its `s` record), the entries,
   * then the hard state. A commit-only hard state change is not written on
   * its own: the commit index need not be durable (etcd-io/raft's MustSync).
   */
  async persist(ready: Ready): Promise<void> {
    const records: LogRecord[] = []
    if (ready.snapshot !== undefined) {
      writeSnapshotSync(this.snapshotDir, ready.snapshot.index, JSON.stringify(ready.snapshot), this.disk)
      records.push({s: [ready.snapshot.index, ready.snapshot.term]})
    }
    for (const e of ready.entries) records.push({e: [e.index, e.term, e.data]})
    const hardState = ready.hardState
    if (hardState !== undefined && (ready.mustSync || records.length > 0)) records.push({h: [hardState.term, hardState.vote, hardState.commit]})
    if (records.length === 0) return
    const lastRecord = await this.wal.append(records.map((r) => JSON.stringify(r)))
    const firstRecord = lastRecord - records.length + 1
    if (ready.snapshot !== undefined) {
      this.entryRecords.clear()
      this.snapshotIndex = ready.snapshot.index
      this.snapshotsWritten++
    }
    // Live entries are contiguous, so the overwritten suffix ends at the first index not held.
    const first = ready.entries[0]
    if (first !== undefined) for (let index = first.index; this.entryRecords.has(index); index++) this.entryRecords.delete(index)
    records.forEach((record, i) => {
      if ('e' in record) this.entryRecords.set(record.e[0], firstRecord + i)
      if ('h' in record) {
        this.hardState = hardState as HardState
        this.hardStateRecord = firstRecord + i
      }
    })
    if (ready.snapshot !== undefined) this.trim(ready.snapshot.index)
  }

  /**
   * Persists a snapshot the node took of its own state machine (from
   * RawNode.compact), then drops the WAL segments and older snapshots it makes
   * redundant. The snapshot is durable before anything is deleted, so a crash
   * in between leaves extra records, never a gap.
   */
  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    if (snapshot.index <= this.snapshotIndex) return
    writeSnapshotSync(this.snapshotDir, snapshot.index, JSON.stringify(snapshot), this.disk)
    this.snapshotIndex = snapshot.index
    this.snapshotsWritten++
    // The map holds its indices in ascending order (see entryRecords), so the covered ones come first.
    for (const index of this.entryRecords.keys()) {
      if (index > snapshot.index) break
      this.entryRecords.delete(index)
    }
    // Rewrite the hard state so that the segment holding its old record can go too.
    const h = this.hardState
    this.hardStateRecord = await this.wal.append([JSON.stringify({h: [h.term, h.vote, h.commit]} satisfies LogRecord)])
    this.trim(snapshot.index)
  }

  stats(): RaftLogStoreStats {
    return {...this.wal.stats(), snapshotIndex: this.snapshotIndex, snapshotsWritten: this.snapshotsWritten, segmentsDropped: this.segmentsDropped}
  }

  close(): Promise<void> {
    return this.wal.close()
  }

  /** Drops WAL segments that hold nothing replay still needs: only live entries and the last hard state matter. */
  private trim(snapshotIndex: number): void {
    const firstLive = this.entryRecords.get(snapshotIndex + 1) ?? Infinity
    this.segmentsDropped += this.wal.dropSegmentsBefore(Math.min(firstLive, this.hardStateRecord))
    removeSnapshotsBefore(this.snapshotDir, snapshotIndex, this.disk)
  }
}

interface Replay {
  entries: Entry[]
  entryRecords: Map<number, number>
  hardState: HardState
  hardStateRecord: number
}

function replayLog(records: readonly WalRecord[], walDir: string): Replay {
  const entries: Entry[] = []
  const entryRecords = new Map<number, number>()
  let hardState = emptyHardState
  let hardStateRecord = 0
  for (const record of records) {
    let parsed: LogRecord
    try {
      parsed = JSON.parse(record.payload.toString('utf8')) as LogRecord
    } catch {
      throw new StorageCorruptionError(walDir, `record ${record.index} is not a Raft log record`)
    }
    if ('e' in parsed) {
      const [index, term, data] = parsed.e
      // Later records override earlier ones from their index on.
      while (entries.length > 0 && (entries.at(-1) as Entry).index >= index) entryRecords.delete((entries.pop() as Entry).index)
      invariant(entries.length === 0 || (entries.at(-1) as Entry).index === index - 1, `raft log replay: entry ${index} leaves a gap`)
      entries.push({index, term, data})
      entryRecords.set(index, record.index)
    } else if ('h' in parsed) {
      const [term, vote, commit] = parsed.h
      hardState = {term, vote, commit}
      hardStateRecord = record.index
    } else {
      entries.length = 0
      entryRecords.clear()
    }
  }
  return {entries, entryRecords, hardState, hardStateRecord}
}
