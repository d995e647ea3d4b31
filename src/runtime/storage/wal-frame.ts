import {crc32} from 'node:zlib'
import {unreachable} from '../../core/common/invariant.js'
import {writeIndexU64} from './log-index.js'

/**
 * On-disk framing of one WAL record:
 *
 *   [payload length: u32 LE][crc32: u32 LE][payload bytes]
 *
 * The CRC covers the record's index (u64, implied by its position in the log,
 * not stored), the length and the payload. Covering the length means a run of
 * zero bytes (what a file extended by a crash often holds) never parses as a
 * valid empty record; covering the index means a record found at the wrong
 * position (a stale or misplaced segment) fails its check.
 */
export const FRAME_HEADER_BYTES = 8

/** One record read back from the log. `payload` is a fresh copy the caller owns. */
export type WalRecord = {index: number; payload: Buffer}

export function frameBytes(payloadBytes: number): number {
  return FRAME_HEADER_BYTES + payloadBytes
}

export function encodeFrame(index: number, payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(frameBytes(payload.length))
  frame.writeUInt32LE(payload.length, 0)
  frame.writeUInt32LE(frameCrc(index, payload), 4)
  frame.set(payload, FRAME_HEADER_BYTES)
  return frame
}

/** Why a scan stopped before the end of the buffer. */
export type FrameDefect =
  | {kind: 'partial-header'; offset: number}
  | {kind: 'length-over-limit'; offset: number; length: number}
  | {kind: 'past-end'; offset: number; length: number}
  | {kind: 'crc-mismatch'; offset: number}

export type FrameScan = {
  records: WalRecord[]
  /** Bytes from the start that hold whole, valid records. */
  validBytes: number
  /** Set when `validBytes < buf.length`: the first bad frame. */
  defect?: FrameDefect
}

/**
 * Reads consecutive frames from `buf`, the first carrying index `firstIndex`,
 * and stops at the first frame that is incomplete or fails its check.
 */
export function scanFrames(buf: Buffer, firstIndex: number, maxRecordBytes: number): FrameScan {
  const records: WalRecord[] = []
  let offset = 0
  while (offset < buf.length) {
    const defect = frameDefectAt(buf, offset, firstIndex + records.length, maxRecordBytes)
    if (defect) return {records, validBytes: offset, defect}
    const length = buf.readUInt32LE(offset)
    const start = offset + FRAME_HEADER_BYTES
    records.push({index: firstIndex + records.length, payload: Buffer.from(buf.subarray(start, start + length))})
    offset = start + length
  }
  return {records, validBytes: offset}
}

export function describeFrameDefect(defect: FrameDefect): string {
  switch (defect.kind) {
    case 'partial-header':
      return `partial record header at byte ${defect.offset}`
    case 'length-over-limit':
      return `record length ${defect.length} over the limit at byte ${defect.offset}`
    case 'past-end':
      return `record of ${defect.length} bytes at byte ${defect.offset} runs past the end of the file`
    case 'crc-mismatch':
      return `CRC mismatch in the record at byte ${defect.offset}`
    default:
      return unreachable(defect)
  }
}

function frameDefectAt(buf: Buffer, offset: number, index: number, maxRecordBytes: number): FrameDefect | undefined {
  if (buf.length - offset < FRAME_HEADER_BYTES) return {kind: 'partial-header', offset}
  const length = buf.readUInt32LE(offset)
  if (length > maxRecordBytes) return {kind: 'length-over-limit', offset, length}
  const start = offset + FRAME_HEADER_BYTES
  if (start + length > buf.length) return {kind: 'past-end', offset, length}
  if (buf.readUInt32LE(offset + 4) !== frameCrc(index, buf.subarray(start, start + length))) {
    return {kind: 'crc-mismatch', offset}
  }
  return undefined
}

function frameCrc(index: number, payload: Uint8Array): number {
  const prefix = Buffer.allocUnsafe(12)
  writeIndexU64(prefix, index, 0)
  prefix.writeUInt32LE(payload.length, 8)
  return crc32(payload, crc32(prefix))
}

/**
 * The WAL writes at most this many bytes between two fsyncs, and never starts
 * a write before the previous one is fsynced. So after a crash at most this
 * many bytes at the end of the last segment can be torn; recovery uses the
 * bound to tell a torn tail from damage to data that was already synced.
 */
export function batchLimitBytes(maxRecordBytes: number): number {
  return frameBytes(maxRecordBytes)
}
