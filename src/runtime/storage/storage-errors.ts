/**
 * Errors the storage layer returns. Anything else that escapes (an errno
 * from node:fs during open, say) is passed through unchanged.
 */

/**
 * Durable state on disk is damaged in a way that is not a torn write of
 * unacknowledged data, or is inconsistent (a missing WAL segment, a snapshot
 * newer than the log). Recovery refuses to guess: acknowledged data may be
 * gone, so an operator has to look.
 */
export class StorageCorruptionError extends Error {
  override name = 'StorageCorruptionError'

  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`)
  }
}

/** The WAL or store was closed; nothing more can be written through it. */
export class StorageClosedError extends Error {
  override name = 'StorageClosedError'
}

/**
 * A write or fsync failed. After a failed fsync the kernel may have dropped
 * the dirty pages and the file's contents are unknown ("fsyncgate", PostgreSQL
 * 2018), so the WAL stops accepting writes; reopen it (recovery re-reads what
 * is really on disk). Writes that were pending when it failed may or may not
 * be durable.
 */
export class StorageFailedError extends Error {
  override name = 'StorageFailedError'
}
