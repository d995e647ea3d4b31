import {join} from 'node:path'

import type {Logger} from '../../runtime/net/node-log.js'
import {Wal} from '../../runtime/storage/wal.js'

/** How often records that need no fsync of their own are written when no forced record carries them. */
const LAZY_FLUSH_MS = 200

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
 */
export class ReadyLog<R> {
  /** Resolves when the last submitted Ready has been released. */
  private tail: Promise<void> = Promise.resolve()
  private lazy: string[] = []
  private lazyTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly wal: Wal,
    /** A WAL write failed: nothing later may be released; the node must stop. */
    private readonly onFatal: (err: Error) => void,
  ) {}

  submit(persist: readonly R[], mustSync: boolean, release: () => void | Promise<void>): void {
    const encoded = persist.map((r) => JSON.stringify(r))
    let durable: Promise<unknown> | undefined
    if (mustSync) {
      durable = this.wal.append([...this.takeLazy(), ...encoded])
    } else if (encoded.length > 0) {
      this.lazy.push(...encoded)
      this.lazyTimer ??= setTimeout(() => this.flushLazy(), LAZY_FLUSH_MS)
    }
    const previous = this.tail
    this.tail = (async () => {
      await previous
      if (durable) await durable
      await release()
    })().catch((err: Error) => this.onFatal(err))
  }

  /** Writes the held records and waits until every submitted Ready is released. */
  async flush(): Promise<void> {
    const lazy = this.takeLazy()
    if (lazy.length > 0) await this.wal.append(lazy)
    await this.tail
  }

  stats(): ReturnType<Wal['stats']> & {lazyHeld: number} {
    return {...this.wal.stats(), lazyHeld: this.lazy.length}
  }

  async close(): Promise<void> {
    await this.flush()
    await this.wal.close()
  }

  private flushLazy(): void {
    const lazy = this.takeLazy()
    if (lazy.length > 0) this.wal.append(lazy).catch((err: Error) => this.onFatal(err))
  }

  private takeLazy(): string[] {
    clearTimeout(this.lazyTimer)
    this.lazyTimer = undefined
    return this.lazy.splice(0)
  }
}

/**
 * Opens a node's log under `dataDir`: the records written before (for the
 * core's `recover`) and the ReadyLog that appends after them. A failed write
 * is fatal: the node logs it as `<what> write failed` and exits.
 */
export function openReadyLog<R>(dataDir: string, what: string, logger: Logger): {records: R[]; tornBytesTruncated: number; log: ReadyLog<R>} {
  const opened = Wal.open(join(dataDir, 'wal'))
  const log = new ReadyLog<R>(opened.wal, (err) => {
    logger.error(`${what} write failed: exiting`, {error: err.stack ?? String(err)})
    process.exit(1)
  })
  const records = opened.records.map((r) => JSON.parse(r.payload.toString('utf8')) as R)
  return {records, tornBytesTruncated: opened.tornBytesTruncated, log}
}
