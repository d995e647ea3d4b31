import {join} from 'node:path'
import {invariant} from '../../core/common/invariant.js'
import {realDisk, type Disk} from '../env/disk.js'
import {byteOption} from './byte-option.js'
import {applyKvOps, decodeKvBatch, decodeKvSnapshot, encodeKvBatch, encodeKvSnapshot, type KvOp} from './kv-codec.js'
import {loadLatestSnapshotSync, removeSnapshotsBefore, writeSnapshotSync} from './snapshot-file.js'
import {StorageClosedError, StorageCorruptionError} from './storage-errors.js'
import {frameBytes} from './wal-frame.js'
import {Wal, type WalOptions, type WalRecord, type WalStats} from './wal.js'

export type {KvOp} from './kv-codec.js'

export type KvStoreOptions = WalOptions & {
  /**
   * Compact (snapshot, then drop covered WAL segments) before the next write
   * once the WAL holds this many bytes of records no snapshot covers.
   * Default 32 MiB. Disk use stays below about this plus one segment plus
   * one snapshot.
   */
  compactAfterBytes?: number
}

export type KvStoreStats = WalStats & {
  /** Index of the last WAL record applied to the map (all of them are durable). */
  appliedIndex: number
  /** Index the latest snapshot covers (0: none). */
  snapshotIndex: number
  /** Snapshots written since open. */
  compactions: number
  /** Bytes of WAL records applied since the latest snapshot: what the next compaction covers. */
  unsnapshottedBytes: number
}

/**
 * A durable string→string map: every change is a WAL record, the map is
 * rebuilt on open from the latest snapshot plus the records after it.
 *
 * Reads see only durable data: a write is applied to the map only after its
 * record is fsynced, just before its promise resolves. So a read never
 * returns a value that a crash could take back. Concurrent writes apply in
 * the order they were called (their WAL order).
 *
 * Layout: `<dir>/wal/` (WAL segments) and `<dir>/snapshots/`.
 * One process owns `dir` at a time.
 */
export class KvStore {
  private closed = false
  private compactions = 0

  private constructor(
    private readonly wal: Wal,
    private readonly snapshotDir: string,
    private readonly map: Map<string, string>,
    private appliedIndex: number,
    private snapshotIndex: number,
    private unsnapshottedBytes: number,
    private readonly compactAfterBytes: number,
    private readonly disk: Disk,
  ) {}

  /**
   * Opens (creating if needed) the store in `dir` and recovers it.
   * Synchronous: meant for process start-up. Throws StorageCorruptionError
   * when the snapshot or the WAL is damaged or the two do not fit together.
   */
  static open(dir: string, options: KvStoreOptions = {}, disk: Disk = realDisk): KvStore {
    const compactAfterBytes = byteOption('compactAfterBytes', options.compactAfterBytes ?? 32 * 1024 * 1024, 1)
    const snapshotDir = join(dir, 'snapshots')
    const walDir = join(dir, 'wal')
    const snapshot = loadLatestSnapshotSync(snapshotDir, disk)
    const {wal, records} = Wal.open(walDir, options, disk)
    try {
      const snapshotIndex = snapshot?.index ?? 0
      // Snapshot first, then trim the log (see compact): a crash between the
      // two leaves extra records, never a gap.
      if (wal.firstIndex > snapshotIndex + 1) {
        throw new StorageCorruptionError(walDir, `the log starts at record ${wal.firstIndex} but the latest snapshot covers only records up to ${snapshotIndex}`)
      }
      if (wal.lastIndex < snapshotIndex) {
        throw new StorageCorruptionError(walDir, `the log ends at record ${wal.lastIndex} but the snapshot covers records up to ${snapshotIndex}; new records would be hidden by it`)
      }
      const map = snapshot ? decodeSnapshot(snapshot.data, snapshotDir) : new Map<string, string>()
      let unsnapshottedBytes = 0
      for (const record of records) {
        if (record.index <= snapshotIndex) continue
        applyKvOps(map, decodeRecord(record, walDir))
        unsnapshottedBytes += frameBytes(record.payload.length)
      }
      return new KvStore(wal, snapshotDir, map, wal.lastIndex, snapshotIndex, unsnapshottedBytes, compactAfterBytes, disk)
    } catch (err) {
      void wal.close()
      throw err
    }
  }

  get(key: string): string | undefined {
    return this.map.get(key)
  }

  has(key: string): boolean {
    return this.map.has(key)
  }

  get size(): number {
    return this.map.size
  }

  /** Live iterators over the map, which changes only when a write is applied. */
  keys(): IterableIterator<string> {
    return this.map.keys()
  }

  entries(): IterableIterator<[string, string]> {
    return this.map.entries()
  }

  put(key: string, value: string): Promise<void> {
    return this.apply([{type: 'put', key, value}])
  }

  /** Writes a delete record even when `key` is absent, so it orders after earlier writes. */
  delete(key: string): Promise<void> {
    return this.apply([{type: 'delete', key}])
  }

  /**
   * Applies `ops` atomically as one WAL record: after a crash all of them are
   * in effect or none. Resolves once the record is fsynced and the ops are
   * applied to the map. `ops` is copied; the caller may reuse it.
   *
   * Rejects with RangeError (no ops; or a batch over `maxRecordBytes`),
   * StorageClosedError, StorageFailedError (the write's outcome is unknown:
   * it may be durable and reappear on reopen), or an I/O error from an
   * automatic compaction (then nothing was written).
   */
  apply(ops: readonly KvOp[]): Promise<void> {
    if (this.closed) return Promise.reject(new StorageClosedError('kv store is closed'))
    if (ops.length === 0) return Promise.reject(new RangeError('apply needs at least one op'))
    try {
      if (this.unsnapshottedBytes >= this.compactAfterBytes) this.compact()
    } catch (err) {
      return Promise.reject(err)
    }
    const batch = ops.map((op) => ({...op}))
    const payload = Buffer.from(encodeKvBatch(batch))
    return this.wal.append([payload]).then((index) => {
      // The WAL resolves appends in index order and this callback is chained
      // first, so the map sees writes in log order, like replay will.
      invariant(index === this.appliedIndex + 1, `kv store applied record ${this.appliedIndex}, then got ${index}`)
      applyKvOps(this.map, batch)
      this.appliedIndex = index
      this.unsnapshottedBytes += frameBytes(payload.length)
    })
  }

  /**
   * Writes a snapshot of the map (everything applied so far), then deletes
   * the WAL segments and older snapshots it makes redundant. Writes still in
   * flight stay in the WAL. Blocks the event loop while it writes and fsyncs
   * the snapshot. Throws StorageClosedError or an I/O error; a failure at
   * any step leaves a recoverable store.
   */
  compact(): void {
    if (this.closed) throw new StorageClosedError('kv store is closed')
    if (this.appliedIndex > this.snapshotIndex) {
      writeSnapshotSync(this.snapshotDir, this.appliedIndex, encodeKvSnapshot(this.map), this.disk)
      this.snapshotIndex = this.appliedIndex
      this.compactions++
    }
    this.unsnapshottedBytes = 0
    if (this.snapshotIndex === 0) return
    // Only after the snapshot is durable may the records it covers go.
    this.wal.dropSegmentsBefore(this.snapshotIndex + 1)
    removeSnapshotsBefore(this.snapshotDir, this.snapshotIndex, this.disk)
  }

  stats(): KvStoreStats {
    return {
      ...this.wal.stats(),
      appliedIndex: this.appliedIndex,
      snapshotIndex: this.snapshotIndex,
      compactions: this.compactions,
      unsnapshottedBytes: this.unsnapshottedBytes,
    }
  }

  /** Waits for writes in flight, then closes the WAL. Reads keep working on the last state. */
  async close(): Promise<void> {
    this.closed = true
    await this.wal.close()
  }
}

function decodeRecord(record: WalRecord, walDir: string): KvOp[] {
  const ops = decodeKvBatch(record.payload)
  if (!ops) throw new StorageCorruptionError(walDir, `record ${record.index} is not a kv batch`)
  return ops
}

function decodeSnapshot(data: Buffer, snapshotDir: string): Map<string, string> {
  const map = decodeKvSnapshot(data)
  if (!map) throw new StorageCorruptionError(snapshotDir, 'the latest snapshot is not a kv map')
  return map
}
