import {join} from 'node:path'

import type {Env, Timer} from '../../runtime/env/env.js'
import {failStop} from '../../runtime/net/fail-stop.js'
import type {Logger} from '../../runtime/net/node-log.js'
import {loadLatestSnapshotSync, removeSnapshotsBefore, writeSnapshotSync} from '../../runtime/storage/snapshot-file.js'
import {StorageCorruptionError} from '../../runtime/storage/storage-errors.js'
import {Wal, type WalStats} from '../../runtime/storage/wal.js'

/** How often records that need no fsync of their own are written when no forced record carries them. */
const LAZY_FLUSH_MS = 200

/**
 * A checkpoint is due once this many bytes of records were appended since
 * the last one. WAL segments are a quarter of it (a checkpoint frees whole
 * segments), so the log stays below about 1.25 times this, plus at most two
 * checkpoint files (a new one is written before the old one is removed).
 */
export const DEFAULT_CHECKPOINT_AFTER_BYTES = 4 * 1024 * 1024

export interface ReadyLogStats extends WalStats {
  lazyHeld: number
  checkpoints: number
  /** The WAL index the latest checkpoint covers (0: none). */
  checkpointIndex: number
  segmentsDropped: number
}

/**
 * One node's durable log, driven by the cores' Readies. `submit` appends a
 * Ready's records and runs its `release` (sends, answers) strictly in
 * submission order, each only after its forced records are on disk
 * (src/core/txn/outbox.ts: a later Ready's messages can depend on an earlier
 * Ready's forced record).
 *
 * Group commit: many Readies can wait at once; the WAL shares one fsync
 * among every append queued while the previous one runs. Records that need no
 * fsync (END, participant ABORT) are held and written in front of the next
 * forced append, or by a timer; the log stays in Ready order either way.
 *
 * Checkpoints bound the log: `checkpoint(state)` takes the node's recovery
 * state as of every Ready submitted so far, writes it as a snapshot file
 * covering the WAL up to the last record of those Readies (once that record
 * is durable: a checkpoint must never claim records a crash could lose), and
 * then drops the segments it covers (src/runtime/storage/snapshot-file.ts,
 * Wal.dropSegmentsBefore, as KvStore and the Raft log store do).
 */
export class ReadyLog<R> {
  /** Resolves when the last submitted Ready has been released. */
  private tail: Promise<void> = Promise.resolve()
  private lazy: string[] = []
  private lazyTimer: Timer | undefined
  /** Index of the last record handed to the WAL (the WAL numbers records as they are appended). */
  private appendedIndex: number
  /** The latest append: the WAL resolves appends in index order, so this is durable last. */
  private lastAppend: Promise<number> | undefined
  private bytesSinceCheckpoint = 0
  private checkpointing: Promise<void> | undefined
  private readonly counters = {checkpoints: 0, checkpointIndex: 0, segmentsDropped: 0}

  constructor(
    private readonly env: Pick<Env, 'setTimer' | 'disk'>,
    private readonly wal: Wal,
    private readonly checkpointDir: string,
    checkpointIndex: number,
    private readonly checkpointAfterBytes: number,
    /** A WAL or checkpoint write failed: nothing later may be released; the node must stop. */
    private readonly onFatal: (err: Error) => void,
  ) {
    this.appendedIndex = wal.lastIndex
    this.counters.checkpointIndex = checkpointIndex
  }

  submit(persist: readonly R[], mustSync: boolean, release: () => void | Promise<void>): void {
    const encoded = persist.map((r) => JSON.stringify(r))
    let durable: Promise<unknown> | undefined
    if (mustSync) {
      durable = this.append([...this.takeLazy(), ...encoded])
    } else if (encoded.length > 0) {
      this.lazy.push(...encoded)
      this.lazyTimer ??= this.env.setTimer(LAZY_FLUSH_MS, () => this.flushLazy())
    }
    const previous = this.tail
    this.tail = (async () => {
      await previous
      if (durable) await durable
      await release()
    })().catch((err: Error) => this.onFatal(err))
  }

  /** Enough was appended since the last checkpoint, and none is being written. */
  get checkpointDue(): boolean {
    return this.checkpointing === undefined && this.bytesSinceCheckpoint >= this.checkpointAfterBytes
  }

  /**
   * Checkpoints `state`, which must be the node's recovery state after every
   * Ready submitted so far and nothing later: it is serialized now, and
   * covers the records appended up to now.
   */
  checkpoint(state: unknown): void {
    if (this.checkpointing) return
    const lazy = this.takeLazy()
    if (lazy.length > 0) this.append(lazy)
    const index = this.appendedIndex
    const data = JSON.stringify(state)
    const durable = this.lastAppend
    this.bytesSinceCheckpoint = 0
    this.checkpointing = (async () => {
      await durable
      writeSnapshotSync(this.checkpointDir, index, data, this.env.disk)
      // The checkpoint is durable before anything it covers is deleted: a crash in between leaves extra records, never a gap.
      this.counters.segmentsDropped += this.wal.dropSegmentsBefore(index + 1)
      removeSnapshotsBefore(this.checkpointDir, index, this.env.disk)
      this.counters.checkpoints++
      this.counters.checkpointIndex = index
    })()
      .catch((err: Error) => this.onFatal(err))
      .finally(() => (this.checkpointing = undefined))
  }

  /** Writes the held records and waits until every submitted Ready is released and any checkpoint is written. */
  async flush(): Promise<void> {
    const lazy = this.takeLazy()
    if (lazy.length > 0) await this.append(lazy)
    await this.tail
    await this.checkpointing
  }

  stats(): ReadyLogStats {
    return {...this.wal.stats(), lazyHeld: this.lazy.length, ...this.counters}
  }

  async close(): Promise<void> {
    await this.flush()
    await this.wal.close()
  }

  private append(records: string[]): Promise<number> {
    this.appendedIndex += records.length
    for (const r of records) this.bytesSinceCheckpoint += r.length
    this.lastAppend = this.wal.append(records)
    return this.lastAppend
  }

  private flushLazy(): void {
    const lazy = this.takeLazy()
    if (lazy.length > 0) this.append(lazy).catch((err: Error) => this.onFatal(err))
  }

  private takeLazy(): string[] {
    this.lazyTimer?.cancel()
    this.lazyTimer = undefined
    return this.lazy.splice(0)
  }
}

/** What a node reads back at start: its latest checkpoint and the records written after it. */
export interface OpenedReadyLog<R, C> {
  checkpoint: C | undefined
  /** Records after the checkpoint, oldest first. */
  records: R[]
  tornBytesTruncated: number
  log: ReadyLog<R>
}

/**
 * Opens a node's log under `dataDir` (`wal/` and `checkpoints/`, on env.disk): the
 * latest checkpoint and the records after it (for the core's `recover`),
 * and the ReadyLog that appends after them. A failed write is fatal: the
 * node logs it as `<what> write failed` and exits.
 */
export function openReadyLog<R, C>(env: Env, dataDir: string, what: string, logger: Logger, checkpointAfterBytes = DEFAULT_CHECKPOINT_AFTER_BYTES): OpenedReadyLog<R, C> {
  const checkpointDir = join(dataDir, 'checkpoints')
  const walDir = join(dataDir, 'wal')
  const snapshot = loadLatestSnapshotSync(checkpointDir, env.disk)
  const opened = Wal.open(walDir, {segmentBytes: Math.ceil(checkpointAfterBytes / 4)}, env.disk)
  const checkpointIndex = snapshot?.index ?? 0
  // A checkpoint is written only once the records it covers are durable, and segments are dropped only after it.
  if (opened.wal.firstIndex > checkpointIndex + 1 || opened.wal.lastIndex < checkpointIndex) {
    throw new StorageCorruptionError(walDir, `the log holds records ${opened.wal.firstIndex}..${opened.wal.lastIndex}, which do not continue the checkpoint of records up to ${checkpointIndex}`)
  }
  const log = new ReadyLog<R>(env, opened.wal, checkpointDir, checkpointIndex, checkpointAfterBytes, (err) => failStop(logger, `${what} write failed`, err))
  const records = opened.records.filter((r) => r.index > checkpointIndex).map((r) => JSON.parse(r.payload.toString('utf8')) as R)
  const checkpoint = snapshot === undefined ? undefined : (JSON.parse(snapshot.data.toString('utf8')) as C)
  return {checkpoint, records, tornBytesTruncated: opened.tornBytesTruncated, log}
}
