import {appendFileSync} from 'node:fs'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {realDisk} from '../../../src/runtime/env/disk.js'
import {batchLimitBytes, encodeFrame} from '../../../src/runtime/storage/wal-frame.js'
import {listSegmentFilesSync} from '../../../src/runtime/storage/wal-segments.js'
import {Wal} from '../../../src/runtime/storage/wal.js'
import {useTempDirs} from './temp-dirs.js'

const tempDir = useTempDirs()
const maxRecordBytes = 64

/**
 * A crash can tear only the one batch written after the last fsync (in the
 * manner of FoundationDB's AsyncFileNonDurable: unsynced bytes are cut or
 * garbled). Model that: acknowledge some records, then append the frames the
 * WAL would write for an unacknowledged batch, cut short and with some bytes
 * overwritten. Recovery must return every acknowledged record, then at most
 * an intact prefix of the torn batch. fast-check prints the seed on failure.
 */
describe('Wal recovery after a torn unsynced batch', () => {
  it('keeps every acknowledged record and only an intact prefix of the torn batch', async () => {
    const payload = fc.uint8Array({maxLength: maxRecordBytes})
    await fc.assert(
      fc.asyncProperty(
        fc.array(payload, {maxLength: 20}),
        fc.array(payload, {minLength: 1, maxLength: 4}),
        fc.nat(),
        fc.array(fc.record({at: fc.nat(), value: fc.integer({min: 0, max: 255})}), {maxLength: 3}),
        async (acked, unsynced, cutSeed, overwrites) => {
          const dir = tempDir()
          const {wal} = Wal.open(dir, {maxRecordBytes, segmentBytes: 256})
          for (const record of acked) await wal.append([record])
          await wal.close()

          const torn = Buffer.concat(unsynced.map((p, i) => encodeFrame(acked.length + 1 + i, p)))
          const limit = batchLimitBytes(maxRecordBytes)
          const kept = torn.subarray(0, Math.min(cutSeed % (torn.length + 1), limit))
          for (const {at, value} of overwrites) if (kept.length > 0) kept[at % kept.length] = value
          appendFileSync(listSegmentFilesSync(dir, realDisk).at(-1)!.path, kept)

          const recovered = Wal.open(dir, {maxRecordBytes, segmentBytes: 256})
          await recovered.wal.close()
          const payloads = recovered.records.map((r) => new Uint8Array(r.payload))
          expect(payloads.slice(0, acked.length)).toEqual(acked)
          const extra = payloads.slice(acked.length)
          expect(extra).toEqual(unsynced.slice(0, extra.length))
          expect(recovered.records.map((r) => r.index)).toEqual(payloads.map((_, i) => i + 1))
        },
      ),
      {numRuns: 60},
    )
  })
})
