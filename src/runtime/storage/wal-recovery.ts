import type {Disk} from '../env/disk.js'
import {fsyncDirSync} from './atomic-file.js'
import {ensureDirDurableSync} from './durable-dir.js'
import {StorageCorruptionError} from './storage-errors.js'
import {batchLimitBytes, describeFrameDefect, scanFrames, type WalRecord} from './wal-frame.js'
import {listSegmentFilesSync, segmentPath, type SegmentFile} from './wal-segments.js'

export type Segment = SegmentFile & {bytes: number}

export type RecoveredLog = {
  /** Oldest first; the last one is the active segment, open as `activeFd`. */
  segments: Segment[]
  activeFd: number
  records: WalRecord[]
  tornBytesTruncated: number
}

/**
 * Reads every segment of the WAL in `dir`, oldest first, checking each record.
 *
 * - A bad record in the last segment within `batchLimitBytes` of its end is
 *   a torn write of a batch that was never acknowledged: the segment is
 *   truncated there (and fsynced) and the records from it on are dropped.
 * - Any other bad record, a bad record in an earlier segment (those were
 *   fully fsynced before the next segment was created), or a gap in record
 *   indices between segments, is a StorageCorruptionError.
 *
 * An empty or missing directory becomes a log whose first index is 1.
 */
export function recoverLogSync(dir: string, maxRecordBytes: number, disk: Disk): RecoveredLog {
  ensureDirDurableSync(dir, disk)
  const files = listSegmentFilesSync(dir, disk)
  if (files.length === 0) return createFirstSegment(dir, disk)

  const segments: Segment[] = []
  const records: WalRecord[] = []
  let tornBytesTruncated = 0
  let nextIndex = files[0].firstIndex
  for (const [i, file] of files.entries()) {
    if (file.firstIndex !== nextIndex) {
      throw new StorageCorruptionError(file.path, `starts at record ${file.firstIndex} but the previous segment ends before ${nextIndex}: the segments do not join up`)
    }
    const buf = disk.readFileSync(file.path)
    const scan = scanFrames(buf, file.firstIndex, maxRecordBytes)
    for (const record of scan.records) records.push(record)
    nextIndex += scan.records.length
    if (scan.defect) {
      const isLast = i === files.length - 1
      const tailBytes = buf.length - scan.validBytes
      if (!isLast) {
        throw new StorageCorruptionError(file.path, `${describeFrameDefect(scan.defect)} in a segment that is not the last one; synced records are damaged`)
      }
      if (tailBytes > batchLimitBytes(maxRecordBytes)) {
        throw new StorageCorruptionError(file.path, `${describeFrameDefect(scan.defect)}, ${tailBytes} bytes before the end: more than one unsynced batch (${batchLimitBytes(maxRecordBytes)} bytes), so this is damage to synced records, not a torn write`)
      }
      tornBytesTruncated = tailBytes
    }
    segments.push({...file, bytes: scan.validBytes})
  }

  const active = segments[segments.length - 1]
  const activeFd = disk.openSync(active.path, 'r+')
  try {
    if (tornBytesTruncated > 0) disk.ftruncateSync(activeFd, active.bytes)
    // Even with nothing to cut, records read back here may exist only in the
    // page cache (the previous process died between write and fsync). Sync
    // them before the caller acts on them, or an OS crash could take back
    // what recovery already reported.
    disk.fsyncSync(activeFd)
  } catch (err) {
    disk.closeSync(activeFd)
    throw err
  }
  return {segments, activeFd, records, tornBytesTruncated}
}

function createFirstSegment(dir: string, disk: Disk): RecoveredLog {
  const path = segmentPath(dir, 1)
  const activeFd = disk.openSync(path, 'wx')
  fsyncDirSync(dir, disk)
  return {segments: [{firstIndex: 1, path, bytes: 0}], activeFd, records: [], tornBytesTruncated: 0}
}
