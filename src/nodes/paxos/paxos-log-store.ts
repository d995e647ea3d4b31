import {join} from 'node:path'

import {invariant} from '../../core/common/invariant.js'
import {realDisk, type Disk} from '../../runtime/env/disk.js'
import type {AcceptedValue, Ballot, HardState, PersistedState, Ready, Snapshot} from '../../core/paxos/index.js'
import {emptyHardState, sameBallot} from '../../core/paxos/index.js'
import {loadLatestSnapshotSync, removeSnapshotsBefore, writeSnapshotSync} from '../../runtime/storage/snapshot-file.js'
import {StorageCorruptionError} from '../../runtime/storage/storage-errors.js'
import {Wal, type WalRecord, type WalStats} from '../../runtime/storage/wal.js'

/**
 * One WAL record of a Paxos acceptor. Accepted values are per-slot
 * overwrites at any slot, not a contiguous log, so replay keeps the last
 * record of each slot:
 *   - `a` a value accepted [slot, ballot round, ballot node, data];
 *   - `h` the hard state [promised round, promised node, chosen];
 *   - `s` a snapshot installed from a peer [slot]: every value at or below it is void.
 */
type SlotRecord = {a: [number, number, string, string]} | {h: [number, string, number]} | {s: [number]}

export interface PaxosLogStoreOptions {
  /** WAL segment size: compaction can only drop whole segments. */
  segmentBytes: number
}

/** Largest WAL record: one accepted value, as for RaftLogStore's entries (see MAX_RECORD_BYTES there). */
const MAX_RECORD_BYTES = 8 * 1024 * 1024

/** The same fields as RaftLogStoreStats: /health shows them for both protocols. */
export interface PaxosLogStoreStats extends WalStats {
  /** The snapshot's slot. */
  snapshotIndex: number
  snapshotsWritten: number
  segmentsDropped: number
}

/**
 * The durable half of a Paxos acceptor: accepted values and the hard state
 * in a WAL (group commit: one append, so one fsync, per Ready) and snapshots
 * as files. Layout: `<dir>/paxos-wal/`, `<dir>/paxos-snapshots/`.
 *
 * One call at a time: the caller awaits each `persist` and `saveSnapshot`
 * before the next (ReadyLoop does), so a trim only ever sees durable records.
 */
export class PaxosLogStore {
  /** Slot → WAL index of the record holding its live value; only slots above the snapshot. */
  private readonly slotRecords: Map<number, number>
  /** The hard state last made durable, and the WAL index of its record (0: none written). */
  private hardState: HardState
  private hardStateRecord: number
  private snapshotsWritten = 0
  private segmentsDropped = 0
  private busy = false

  private constructor(
    private readonly wal: Wal,
    private readonly snapshotDir: string,
    private readonly disk: Disk,
    private snapshotIndex: number,
    replay: Replay,
  ) {
    this.hardState = replay.hardState
    this.hardStateRecord = replay.hardStateRecord
    this.slotRecords = new Map([...replay.values].filter(([slot]) => slot > snapshotIndex).map(([slot, {record}]) => [slot, record]))
  }

  /** Opens (creating if needed) the store and reads back what the acceptor persisted. Synchronous: start-up only. */
  static open(dir: string, options: PaxosLogStoreOptions, disk: Disk = realDisk): {store: PaxosLogStore; persisted: PersistedState} {
    const snapshotDir = join(dir, 'paxos-snapshots')
    const walDir = join(dir, 'paxos-wal')
    const file = loadLatestSnapshotSync(snapshotDir, disk)
    const snapshot = file === undefined ? undefined : (JSON.parse(file.data.toString('utf8')) as Snapshot)
    const snapshotIndex = snapshot?.slot ?? 0
    if (file !== undefined && file.index !== snapshotIndex) {
      throw new StorageCorruptionError(snapshotDir, `snapshot file ${file.index} holds the snapshot of slot ${snapshotIndex}`)
    }
    const {wal, records} = Wal.open(walDir, {segmentBytes: options.segmentBytes, maxRecordBytes: MAX_RECORD_BYTES}, disk)
    const replay = replaySlots(records, walDir)
    // An installed snapshot's file is durable before its `s` record is written, so a record past the file means a lost file.
    if (replay.installedSlot > snapshotIndex) {
      throw new StorageCorruptionError(snapshotDir, `the WAL installed a snapshot of slot ${replay.installedSlot} but the latest snapshot file covers only ${snapshotIndex}`)
    }
    // A crash between a snapshot's file and its record (or compaction) leaves values at or below it: the snapshot replaces them.
    const accepted = [...replay.values.values()]
      .map(({value}) => value)
      .filter((v) => v.slot > snapshotIndex)
      .sort((a, b) => a.slot - b.slot)
    const persisted: PersistedState = {hardState: replay.hardState, accepted, ...(snapshot === undefined ? {} : {snapshot})}
    return {store: new PaxosLogStore(wal, snapshotDir, disk, snapshotIndex, replay), persisted}
  }

  /** The promised ballot last made durable: an accept in exactly this ballot may be sent before a Ready's persist. */
  get durablePromised(): Ballot {
    return this.hardState.promised
  }

  /**
   * Persists what a Ready asks for, in one WAL append (one fsync): the
   * installed snapshot (its file first, then its `s` record), the accepted
   * values, then the hard state. The WAL keeps write order, so a surviving
   * hard state implies the values before it survived (the chosen point
   * vouches for them). A chosen-only change is not written on its own: the
   * chosen point need not be durable.
   */
  async persist(ready: Ready): Promise<void> {
    const records: SlotRecord[] = []
    if (ready.snapshot !== undefined) {
      writeSnapshotSync(this.snapshotDir, ready.snapshot.slot, JSON.stringify(ready.snapshot), this.disk)
      records.push({s: [ready.snapshot.slot]})
    }
    for (const v of ready.accepted) records.push({a: [v.slot, v.ballot.round, v.ballot.node, v.data]})
    const hardState = ready.hardState
    if (hardState !== undefined && (records.length > 0 || !sameBallot(hardState.promised, this.hardState.promised))) records.push(hardStateRecord(hardState))
    if (records.length === 0) return
    const firstRecord = (await this.append(records)) - records.length + 1
    if (ready.snapshot !== undefined) this.coverBySnapshot(ready.snapshot.slot)
    records.forEach((record, i) => {
      if ('a' in record) this.slotRecords.set(record.a[0], firstRecord + i)
      if ('h' in record) {
        this.hardState = hardState as HardState
        this.hardStateRecord = firstRecord + i
      }
    })
    if (ready.snapshot !== undefined) this.trim()
  }

  /**
   * Persists a snapshot the node took of its own state machine (from
   * PaxosNode.compact), then drops the WAL segments and older snapshots it
   * makes redundant. The snapshot is durable before anything is deleted, so
   * a crash in between leaves extra records, never a gap.
   */
  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    if (snapshot.slot <= this.snapshotIndex) return
    writeSnapshotSync(this.snapshotDir, snapshot.slot, JSON.stringify(snapshot), this.disk)
    this.coverBySnapshot(snapshot.slot)
    // Rewrite the hard state so that the segment holding its old record can go too.
    this.hardStateRecord = await this.append([hardStateRecord(this.hardState)])
    this.trim()
  }

  stats(): PaxosLogStoreStats {
    return {...this.wal.stats(), snapshotIndex: this.snapshotIndex, snapshotsWritten: this.snapshotsWritten, segmentsDropped: this.segmentsDropped}
  }

  close(): Promise<void> {
    return this.wal.close()
  }

  private async append(records: SlotRecord[]): Promise<number> {
    invariant(!this.busy, 'PaxosLogStore: a persist or saveSnapshot started before the previous one finished')
    this.busy = true
    try {
      return await this.wal.append(records.map((r) => JSON.stringify(r)))
    } finally {
      this.busy = false
    }
  }

  /** The snapshot of `slot` is durable: the values it covers are no longer live. */
  private coverBySnapshot(slot: number): void {
    this.snapshotIndex = slot
    this.snapshotsWritten++
    for (const s of [...this.slotRecords.keys()]) if (s <= slot) this.slotRecords.delete(s)
  }

  /**
   * Drops the WAL segments that hold nothing replay still needs: the live
   * record of each slot above the snapshot (slots are overwritten in any
   * order, so the oldest may be anywhere) and the last hard state record.
   */
  private trim(): void {
    let oldest = this.hardStateRecord
    for (const record of this.slotRecords.values()) oldest = Math.min(oldest, record)
    this.segmentsDropped += this.wal.dropSegmentsBefore(oldest)
    removeSnapshotsBefore(this.snapshotDir, this.snapshotIndex, this.disk)
  }
}

function hardStateRecord(h: HardState): SlotRecord {
  return {h: [h.promised.round, h.promised.node, h.chosen]}
}

interface Replay {
  /** The last value recorded per slot, with its WAL index. */
  values: Map<number, {value: AcceptedValue; record: number}>
  hardState: HardState
  hardStateRecord: number
  /** The highest `s` record's slot (0: none). */
  installedSlot: number
}

function replaySlots(records: readonly WalRecord[], walDir: string): Replay {
  const replay: Replay = {values: new Map(), hardState: emptyHardState, hardStateRecord: 0, installedSlot: 0}
  for (const record of records) {
    const parsed = parseRecord(record.payload)
    if (parsed === undefined) throw new StorageCorruptionError(walDir, `record ${record.index} is not a Paxos acceptor record`)
    if ('a' in parsed) {
      const [slot, round, node, data] = parsed.a
      // Later records override earlier ones: the last write of a slot is its value.
      replay.values.set(slot, {value: {slot, ballot: {round, node}, data}, record: record.index})
    } else if ('h' in parsed) {
      const [round, node, chosen] = parsed.h
      replay.hardState = {promised: {round, node}, chosen}
      replay.hardStateRecord = record.index
    } else {
      // The values it voids are at or below the snapshot file's slot, which open() filters out.
      replay.installedSlot = Math.max(replay.installedSlot, parsed.s[0])
    }
  }
  return replay
}

/** The record, or undefined when the payload is not one (a CRC-valid record of the wrong shape is corruption too). */
function parseRecord(payload: Buffer): SlotRecord | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(payload.toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const fields = Object.values(parsed)[0] as unknown
  if (!Array.isArray(fields) || Object.keys(parsed).length !== 1) return undefined
  const types = fields.map((f) => typeof f).join(',')
  if ('a' in parsed && types === 'number,number,string,string') return parsed as SlotRecord
  if ('h' in parsed && types === 'number,string,number') return parsed as SlotRecord
  if ('s' in parsed && types === 'number') return parsed as SlotRecord
  return undefined
}
