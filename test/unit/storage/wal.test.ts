import {appendFileSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {StorageClosedError, StorageCorruptionError} from '../../../src/runtime/storage/storage-errors.js'
import {Wal} from '../../../src/runtime/storage/wal.js'
import {useTempDirs} from './temp-dirs.js'

const tempDir = useTempDirs()

function segmentFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.wal'))
    .sort()
    .map((name) => join(dir, name))
}

function payloadStrings(records: {payload: Buffer}[]): string[] {
  return records.map((r) => r.payload.toString())
}

/** Writes `records` through a WAL, closes it and returns the path of its last segment. */
async function writeLog(dir: string, records: string[], options = {}): Promise<string> {
  const {wal} = Wal.open(dir, options)
  for (const record of records) await wal.append([record])
  await wal.close()
  return segmentFiles(dir).at(-1)!
}

describe('Wal', () => {
  it('numbers records from 1 and reads them back in order after reopening', async () => {
    const dir = tempDir()
    const {wal, records} = Wal.open(dir)
    expect(records).toEqual([])
    expect(await wal.append(['a', 'b'])).toBe(2)
    expect(await wal.append([Buffer.from([0, 255]), 'ünïcode'])).toBe(4)
    expect([wal.firstIndex, wal.lastIndex]).toEqual([1, 4])
    await wal.close()

    const reopened = Wal.open(dir)
    expect(reopened.records.map((r) => r.index)).toEqual([1, 2, 3, 4])
    expect(reopened.records.map((r) => r.payload)).toEqual([Buffer.from('a'), Buffer.from('b'), Buffer.from([0, 255]), Buffer.from('ünïcode')])
    expect(reopened.tornBytesTruncated).toBe(0)
    expect(await reopened.wal.append(['e'])).toBe(5)
    await reopened.wal.close()
  })

  it('copies payloads on append, so the caller may reuse its buffer at once', async () => {
    const dir = tempDir()
    const {wal} = Wal.open(dir)
    const buf = Buffer.from('first')
    const done = wal.append([buf])
    buf.write('XXXXX')
    await done
    await wal.close()
    expect(payloadStrings(Wal.open(dir).records)).toEqual(['first'])
  })

  it('rejects an empty append and a record over maxRecordBytes without writing', async () => {
    const {wal} = Wal.open(tempDir(), {maxRecordBytes: 8})
    await expect(wal.append([])).rejects.toThrow(RangeError)
    await expect(wal.append(['ok', 'x'.repeat(9)])).rejects.toThrow(RangeError)
    expect(await wal.append(['x'.repeat(8)])).toBe(1)
    await wal.close()
  })

  it('refuses options it cannot honour', () => {
    const dir = tempDir()
    expect(() => Wal.open(dir, {segmentBytes: 0})).toThrow(RangeError)
    expect(() => Wal.open(dir, {maxRecordBytes: 2 ** 32})).toThrow(/maxRecordBytes must be an integer/)
  })

  it('finishes queued appends on close and rejects appends after it', async () => {
    const dir = tempDir()
    const {wal} = Wal.open(dir)
    const pending = wal.append(['queued'])
    await wal.close()
    expect(await pending).toBe(1)
    await expect(wal.append(['late'])).rejects.toThrow(StorageClosedError)
    expect(payloadStrings(Wal.open(dir).records)).toEqual(['queued'])
  })

  describe('torn tail of the last segment', () => {
    const acknowledged = ['one', 'two', 'three']

    async function expectTruncatedTo(dir: string, segment: string, validBytes: number): Promise<void> {
      const {wal, records, tornBytesTruncated} = Wal.open(dir)
      expect(payloadStrings(records)).toEqual(acknowledged.slice(0, records.length))
      expect(tornBytesTruncated).toBeGreaterThan(0)
      expect(statSync(segment).size).toBe(validBytes)
      // The log continues right after the last good record, and that sticks.
      expect(await wal.append(['after'])).toBe(records.length + 1)
      await wal.close()
      expect(payloadStrings(Wal.open(dir).records)).toEqual([...payloadStrings(records), 'after'])
    }

    it('cuts garbage written after the last record', async () => {
      const dir = tempDir()
      const segment = await writeLog(dir, acknowledged)
      const size = statSync(segment).size
      appendFileSync(segment, Buffer.from('\x07\x00\x00\x00garbage!'))
      await expectTruncatedTo(dir, segment, size)
    })

    it('cuts a record truncated in the middle', async () => {
      const dir = tempDir()
      const segment = await writeLog(dir, acknowledged)
      const size = statSync(segment).size
      truncateSync(segment, size - 2)
      await expectTruncatedTo(dir, segment, size - (8 + 'three'.length))
    })

    it('cuts a last record with a flipped payload byte (CRC mismatch)', async () => {
      const dir = tempDir()
      const segment = await writeLog(dir, acknowledged)
      const bytes = readFileSync(segment)
      bytes[bytes.length - 1] ^= 0xff
      writeFileSync(segment, bytes)
      await expectTruncatedTo(dir, segment, bytes.length - (8 + 'three'.length))
    })

    it('cuts a zero-filled extension of the file', async () => {
      const dir = tempDir()
      const segment = await writeLog(dir, acknowledged)
      const size = statSync(segment).size
      appendFileSync(segment, Buffer.alloc(4096))
      await expectTruncatedTo(dir, segment, size)
    })
  })

  it('refuses damage in the last segment further from the end than one unsynced batch', async () => {
    const dir = tempDir()
    // maxRecordBytes 16: a batch is at most 24 bytes, so damage to record 1 of 10 cannot be torn.
    const segment = await writeLog(dir, Array.from({length: 10}, (_, i) => `record-${i}`), {maxRecordBytes: 16})
    const bytes = readFileSync(segment)
    bytes[10] ^= 0x01
    writeFileSync(segment, bytes)
    expect(() => Wal.open(dir, {maxRecordBytes: 16})).toThrow(/not a torn write/)
  })

  it('refuses a CRC mismatch in a segment that is not the last', async () => {
    const dir = tempDir()
    await writeLog(dir, Array.from({length: 20}, (_, i) => `record-${i}`), {segmentBytes: 64})
    const [first] = segmentFiles(dir)
    const bytes = readFileSync(first)
    bytes[bytes.length - 1] ^= 0x01
    writeFileSync(first, bytes)
    expect(() => Wal.open(dir)).toThrow(StorageCorruptionError)
    expect(() => Wal.open(dir)).toThrow(/CRC mismatch .* not the last one/)
  })

  it('refuses a log with a segment missing in the middle', async () => {
    const dir = tempDir()
    await writeLog(dir, Array.from({length: 20}, (_, i) => `record-${i}`), {segmentBytes: 64})
    const segments = segmentFiles(dir)
    expect(segments.length).toBeGreaterThan(2)
    unlinkSync(segments[1])
    expect(() => Wal.open(dir)).toThrow(/segments do not join up/)
  })

  describe('group commit', () => {
    it('shares one fsync among appends issued in the same turn', async () => {
      const dir = tempDir()
      const {wal} = Wal.open(dir)
      const indices = await Promise.all(Array.from({length: 200}, (_, i) => wal.append([`r${i}`])))
      expect(indices).toEqual(Array.from({length: 200}, (_, i) => i + 1))
      expect(wal.stats()).toMatchObject({appends: 200, recordsWritten: 200, fsyncs: 1})
      await wal.close()
    })

    it('batches appends that arrive while an fsync is in flight', async () => {
      const dir = tempDir()
      const {wal} = Wal.open(dir)
      const writers = 50
      const perWriter = 20
      await Promise.all(
        Array.from({length: writers}, async (_, w) => {
          for (let i = 0; i < perWriter; i++) await wal.append([`w${w}-${i}`])
        }),
      )
      const stats = wal.stats()
      expect(stats.recordsWritten).toBe(writers * perWriter)
      expect(stats.fsyncs).toBeLessThanOrEqual((writers * perWriter) / 10)
      await wal.close()
      // Each writer's records are in its own order in the log.
      const records = payloadStrings(Wal.open(dir).records)
      expect(records.filter((r) => r.startsWith('w7-'))).toEqual(Array.from({length: perWriter}, (_, i) => `w7-${i}`))
    })

    it('never writes more than one batch limit between fsyncs', async () => {
      const dir = tempDir()
      const {wal} = Wal.open(dir, {maxRecordBytes: 100})
      // 50 frames of 8 + 100 bytes against a 108-byte batch limit: one frame per fsync.
      await Promise.all(Array.from({length: 50}, () => wal.append(['y'.repeat(100)])))
      expect(wal.stats()).toMatchObject({recordsWritten: 50, fsyncs: 50})
      await wal.close()
    })
  })

  describe('segments', () => {
    it('rotates at segmentBytes and reads across segments in order', async () => {
      const dir = tempDir()
      const records = Array.from({length: 30}, (_, i) => `record-${String(i).padStart(2, '0')}`)
      await writeLog(dir, records, {segmentBytes: 64})
      expect(segmentFiles(dir).length).toBeGreaterThan(5)
      expect(payloadStrings(Wal.open(dir, {segmentBytes: 64}).records)).toEqual(records)
    })

    it('drops only segments wholly below the given index and never the active one', async () => {
      const dir = tempDir()
      const records = Array.from({length: 30}, (_, i) => `record-${String(i).padStart(2, '0')}`)
      await writeLog(dir, records, {segmentBytes: 64})
      const {wal} = Wal.open(dir, {segmentBytes: 64})
      const before = wal.stats().segments
      const dropped = wal.dropSegmentsBefore(12)
      expect(dropped).toBeGreaterThan(0)
      expect(wal.stats().segments).toBe(before - dropped)
      expect(wal.firstIndex).toBeLessThanOrEqual(12)
      expect(wal.firstIndex).toBeGreaterThan(1)

      const remaining = wal.stats().segments
      expect(wal.dropSegmentsBefore(1000)).toBe(remaining - 1)
      expect(segmentFiles(dir)).toHaveLength(1)
      await wal.append(['after drop'])
      await wal.close()

      const reopened = Wal.open(dir, {segmentBytes: 64})
      expect(reopened.records[0].index).toBe(reopened.wal.firstIndex)
      expect(payloadStrings(reopened.records).at(-1)).toBe('after drop')
      expect(reopened.wal.lastIndex).toBe(31)
      await reopened.wal.close()
    })

    it('creates the directory, parents included', async () => {
      const dir = join(tempDir(), 'a', 'b', 'wal')
      const {wal} = Wal.open(dir)
      await wal.append(['x'])
      await wal.close()
      expect(existsSync(dir)).toBe(true)
    })
  })
})
