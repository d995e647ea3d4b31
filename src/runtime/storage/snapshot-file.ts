import {join} from 'node:path'
import {crc32} from 'node:zlib'
import {realDisk, type Disk} from '../env/disk.js'
import {isAtomicWriteLeftover, writeFileAtomicSync} from './atomic-file.js'
import {ensureDirDurableSync, removeFileDurableSync} from './durable-dir.js'
import {indexFileName, indexFileNamePattern, readIndexU64, writeIndexU64} from './log-index.js'
import {StorageCorruptionError} from './storage-errors.js'

/**
 * Snapshots in a directory, one file per snapshot, named after the last log
 * index the snapshot covers (`0000000000000042.snap`) and laid out as
 *
 *   ["DSYSSNP1"][index: u64 BE][crc32 of index and data: u32 LE][data]
 *
 * Files are written whole with writeFileAtomicSync, so a crash leaves either
 * no new snapshot or a complete one; the CRC catches damage after that.
 * One process owns a snapshot directory at a time.
 */
export type Snapshot = {
  /** The snapshot holds the effect of every log record up to and including this index. */
  index: number
  /** A fresh buffer the caller owns. */
  data: Buffer
}

const MAGIC = Buffer.from('DSYSSNP1')
const HEADER_BYTES = MAGIC.length + 8 + 4
const SNAPSHOT_NAME = indexFileNamePattern('snap')

/**
 * Durably writes a snapshot covering records up to `index` (temp file,
 * fsync, rename, directory fsync), creating `dir` if needed. Blocks the event
 * loop for the write and fsyncs. Overwrites a snapshot with the same index.
 */
export function writeSnapshotSync(dir: string, index: number, data: string | Uint8Array, disk: Disk = realDisk): void {
  ensureDirDurableSync(dir, disk)
  const body = typeof data === 'string' ? Buffer.from(data) : data
  const header = Buffer.alloc(HEADER_BYTES)
  MAGIC.copy(header, 0)
  writeIndexU64(header, index, MAGIC.length)
  header.writeUInt32LE(snapshotCrc(header, body), MAGIC.length + 8)
  writeFileAtomicSync(snapshotPath(dir, index), Buffer.concat([header, body]), disk)
}

/**
 * The snapshot with the highest index in `dir`, or undefined when there is
 * none (or no such directory). Throws StorageCorruptionError when that
 * snapshot fails its check; it does not fall back to an older one, because
 * the log it pairs with may already be trimmed past the older one.
 */
export function loadLatestSnapshotSync(dir: string, disk: Disk = realDisk): Snapshot | undefined {
  const latest = listSnapshotIndicesSync(dir, disk).at(-1)
  if (latest === undefined) return undefined
  const path = snapshotPath(dir, latest)
  const file = disk.readFileSync(path)
  if (file.length < HEADER_BYTES || !file.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new StorageCorruptionError(path, 'not a snapshot file (bad header)')
  }
  const header = file.subarray(0, HEADER_BYTES)
  // disk.readFileSync returned a fresh buffer, so a view of it is already the caller's own.
  const data = file.subarray(HEADER_BYTES)
  const storedIndex = readIndexU64(header, MAGIC.length)
  if (storedIndex !== latest) {
    throw new StorageCorruptionError(path, `holds the snapshot for index ${storedIndex}, not ${latest}`)
  }
  if (header.readUInt32LE(MAGIC.length + 8) !== snapshotCrc(header, data)) {
    throw new StorageCorruptionError(path, 'CRC mismatch: the snapshot is damaged')
  }
  return {index: latest, data}
}

/**
 * Deletes every snapshot older than `index`, and temp files that interrupted
 * writes left behind. Returns how many snapshots were deleted.
 */
export function removeSnapshotsBefore(dir: string, index: number, disk: Disk = realDisk): number {
  let removed = 0
  for (const name of disk.readdirSync(dir)) {
    const match = SNAPSHOT_NAME.exec(name)
    if (match && Number(match[1]) < index) {
      removeFileDurableSync(join(dir, name), disk)
      removed++
    } else if (isAtomicWriteLeftover(name, SNAPSHOT_NAME)) {
      removeFileDurableSync(join(dir, name), disk)
    }
  }
  return removed
}

/** Indices of the snapshots in `dir`, ascending; empty when `dir` does not exist. */
function listSnapshotIndicesSync(dir: string, disk: Disk): number[] {
  let names: string[]
  try {
    names = disk.readdirSync(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  return names
    .map((name) => SNAPSHOT_NAME.exec(name))
    .filter((match) => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b)
}

function snapshotPath(dir: string, index: number): string {
  return join(dir, indexFileName(index, 'snap'))
}

function snapshotCrc(header: Buffer, data: Uint8Array): number {
  return crc32(data, crc32(header.subarray(MAGIC.length, MAGIC.length + 8)))
}
