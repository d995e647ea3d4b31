import {realDisk, type Disk} from '../env/disk.js'
import {fsyncDirSync} from './atomic-file.js'
import {removeFileDurableSync} from './durable-dir.js'
import {byteOption} from './byte-option.js'
import {StorageClosedError, StorageFailedError} from './storage-errors.js'
import {batchLimitBytes, encodeFrame, type WalRecord} from './wal-frame.js'
import {recoverLogSync, type Segment} from './wal-recovery.js'
import {segmentPath} from './wal-segments.js'

export type {WalRecord} from './wal-frame.js'

export type WalOptions = {
  /** Once the active segment holds this many bytes the next batch starts a new segment. Default 8 MiB. */
  segmentBytes?: number
  /**
   * Largest payload `append` accepts. Default 1 MiB. It also bounds the bytes
   * written per fsync, which recovery uses to tell a torn tail from
   * corruption, so do not lower it between runs over the same directory.
   */
  maxRecordBytes?: number
}

export type WalStats = {
  /** `append` calls accepted. */
  appends: number
  recordsWritten: number
  /** Bytes written to segments, frame headers included. */
  bytesWritten: number
  /** fdatasync calls on segment files for appended data: one per group-commit batch. */
  fsyncs: number
  segments: number
}

export type WalOpenResult = {
  wal: Wal
  /** Every record in the log, oldest first. */
  records: WalRecord[]
  /** Bytes of torn tail cut from the last segment (0 after a clean shutdown). */
  tornBytesTruncated: number
}

/** A payload to append; strings are stored as UTF-8. */
export type WalPayload = Uint8Array | string

type PendingAppend = {resolve(lastIndex: number): void; reject(err: Error): void}
/** `append` is set on the last frame of each append call: it completes when that frame is synced. */
type QueuedFrame = {index: number; frame: Buffer; append?: PendingAppend}

/**
 * A write-ahead log of opaque records in segment files under one directory.
 * Every record gets the next index (1, 2, 3, ... for a new log); the caller
 * uses indices to decide what a snapshot covers and what may be dropped.
 *
 * Durability contract: when `append` resolves, its records and every record
 * before them are fsynced. A crash may keep any prefix of what was appended
 * but not acknowledged; each record is kept whole or not at all, but the
 * records of one `append` call are not atomic together.
 *
 * Group commit: at most one write+fsync is in flight; appends that arrive
 * meanwhile queue up and share the next one.
 *
 * One process owns a WAL directory at a time (there is no lock file).
 */
export class Wal {
  private readonly queue: QueuedFrame[] = []
  private flushing: Promise<void> | undefined
  private closing: Promise<void> | undefined
  private failure: StorageFailedError | undefined
  private nextIndex: number
  private durableIndex: number
  private readonly counters = {appends: 0, recordsWritten: 0, bytesWritten: 0, fsyncs: 0}

  private constructor(
    private readonly dir: string,
    private readonly segments: Segment[],
    private activeFd: number,
    lastIndex: number,
    private readonly segmentBytes: number,
    private readonly maxRecordBytes: number,
    private readonly disk: Disk,
  ) {
    this.nextIndex = lastIndex + 1
    this.durableIndex = lastIndex
  }

  /**
   * Opens (creating if needed) the WAL in `dir` and recovers it: see
   * `recoverLogSync` for what is truncated and what is a
   * StorageCorruptionError. Synchronous: meant for process start-up.
   * Throws RangeError for bad options, or an errno error from the disk.
   */
  static open(dir: string, options: WalOptions = {}, disk: Disk = realDisk): WalOpenResult {
    const segmentBytes = byteOption('segmentBytes', options.segmentBytes ?? 8 * 1024 * 1024, 1)
    // The frame's length field is a u32.
    const maxRecordBytes = byteOption('maxRecordBytes', options.maxRecordBytes ?? 1024 * 1024, 0, 0xffff_ffff)
    const log = recoverLogSync(dir, maxRecordBytes, disk)
    const lastIndex = log.segments[0].firstIndex + log.records.length - 1
    const wal = new Wal(dir, log.segments, log.activeFd, lastIndex, segmentBytes, maxRecordBytes, disk)
    return {wal, records: log.records, tornBytesTruncated: log.tornBytesTruncated}
  }

  /** Index of the oldest record still on disk (`lastIndex + 1` when there is none). */
  get firstIndex(): number {
    return this.segments[0].firstIndex
  }

  /** Index of the newest fsynced record (`firstIndex - 1` when there is none). */
  get lastIndex(): number {
    return this.durableIndex
  }

  /**
   * Appends `payloads` as consecutive records and resolves with the index of
   * the last one once all are fsynced. Payloads are copied before `append`
   * returns, so the caller may reuse its buffers at once.
   *
   * Rejects with RangeError (no records, or one over `maxRecordBytes`; nothing
   * is written), StorageClosedError, or StorageFailedError (a write or fsync
   * failed; these records may or may not be durable, and so may any appended
   * after them — reopen the WAL to find out).
   */
  append(payloads: readonly WalPayload[]): Promise<number> {
    if (this.failure) return Promise.reject(this.failure)
    if (this.closing) return Promise.reject(new StorageClosedError(`WAL ${this.dir} is closed`))
    if (payloads.length === 0) return Promise.reject(new RangeError('append needs at least one record'))
    const buffers = payloads.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))
    const tooLarge = buffers.find((b) => b.length > this.maxRecordBytes)
    if (tooLarge) {
      return Promise.reject(new RangeError(`record of ${tooLarge.length} bytes is over the ${this.maxRecordBytes}-byte limit`))
    }
    return new Promise<number>((resolve, reject) => {
      const append = {resolve, reject}
      for (const [i, payload] of buffers.entries()) {
        const index = this.nextIndex++
        this.queue.push({index, frame: encodeFrame(index, payload), append: i === buffers.length - 1 ? append : undefined})
      }
      this.counters.appends++
      this.startFlushing()
    })
  }

  /**
   * Deletes the oldest segments whose records all have an index below
   * `index`, typically `snapshotIndex + 1` once a snapshot covering records
   * up to `snapshotIndex` is durable. The active segment is never deleted,
   * so some records below `index` may remain (read `firstIndex`). Returns how
   * many segments were deleted. Each deletion is made durable before the next
   * so a crash cannot leave a gap in the log.
   */
  dropSegmentsBefore(index: number): number {
    if (this.closing) throw new StorageClosedError(`WAL ${this.dir} is closed`)
    let dropped = 0
    while (this.segments.length > 1 && this.segments[1].firstIndex <= index) {
      removeFileDurableSync(this.segments[0].path, this.disk)
      this.segments.shift()
      dropped++
    }
    return dropped
  }

  stats(): WalStats {
    return {...this.counters, segments: this.segments.length}
  }

  /**
   * Waits for queued appends to finish (they resolve or reject as usual),
   * then closes the active segment. Later appends reject with
   * StorageClosedError.
   */
  close(): Promise<void> {
    this.closing ??= this.drainAndClose()
    return this.closing
  }

  private async drainAndClose(): Promise<void> {
    while (this.flushing) await this.flushing
    this.disk.closeSync(this.activeFd)
  }

  private startFlushing(): void {
    if (this.flushing) return
    // Start on a microtask, not now: appends issued in the same turn (for
    // example the continuations of the batch that just completed) then share
    // the first write and fsync instead of the first caller getting one alone.
    this.flushing = Promise.resolve().then(() => this.flushQueue())
  }

  private async flushQueue(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.takeBatch()
      try {
        await this.writeAndSync(batch)
      } catch (err) {
        this.fail(err as Error, batch)
        break
      }
      // Resolved in index order, so callbacks chained on appends run in log order.
      for (const frame of batch) frame.append?.resolve(frame.index)
    }
    // Cleared in the same synchronous step that saw the queue empty, so an
    // append issued from here on starts a new flush.
    this.flushing = undefined
  }

  /** The oldest queued frames up to batchLimitBytes (at least one frame). */
  private takeBatch(): QueuedFrame[] {
    const limit = batchLimitBytes(this.maxRecordBytes)
    let bytes = this.queue[0].frame.length
    let count = 1
    while (count < this.queue.length && bytes + this.queue[count].frame.length <= limit) {
      bytes += this.queue[count].frame.length
      count++
    }
    return this.queue.splice(0, count)
  }

  private async writeAndSync(batch: QueuedFrame[]): Promise<void> {
    let active = this.segments[this.segments.length - 1]
    if (active.bytes >= this.segmentBytes) active = this.rotate(batch[0].index)
    const data = Buffer.concat(batch.map((f) => f.frame))
    let written = 0
    while (written < data.length) {
      written += await this.disk.write(this.activeFd, data, written, data.length - written, active.bytes + written)
    }
    await this.disk.fdatasync(this.activeFd)
    active.bytes += data.length
    this.durableIndex = batch[batch.length - 1].index
    this.counters.recordsWritten += batch.length
    this.counters.bytesWritten += data.length
    this.counters.fsyncs++
  }

  /**
   * Starts a new segment whose first record will be `firstIndex`. The old
   * segment is complete and fsynced (every batch is), which is why recovery
   * may treat damage in any segment but the last as corruption.
   */
  private rotate(firstIndex: number): Segment {
    const path = segmentPath(this.dir, firstIndex)
    const fd = this.disk.openSync(path, 'wx')
    fsyncDirSync(this.dir, this.disk)
    this.disk.closeSync(this.activeFd)
    this.activeFd = fd
    const segment = {firstIndex, path, bytes: 0}
    this.segments.push(segment)
    return segment
  }

  private fail(cause: Error, batch: QueuedFrame[]): void {
    this.failure = new StorageFailedError(`WAL ${this.dir}: write or fsync failed (${cause.message}); reopen to recover`, {cause})
    for (const frame of [...batch, ...this.queue.splice(0)]) frame.append?.reject(this.failure)
  }
}
