import {describe, expect, it} from 'vitest'
import {encodeFrame, FRAME_HEADER_BYTES, scanFrames} from '../../../src/runtime/storage/wal-frame.js'

const payloads = ['alpha', '', 'γάμμα', 'x'.repeat(300)].map((s) => Buffer.from(s))

function framesFrom(firstIndex: number, bodies: Buffer[]): Buffer {
  return Buffer.concat(bodies.map((body, i) => encodeFrame(firstIndex + i, body)))
}

describe('WAL frames', () => {
  it('round-trips payloads with their indices, empty payloads included', () => {
    const scan = scanFrames(framesFrom(7, payloads), 7, 1024)
    expect(scan.defect).toBeUndefined()
    expect(scan.records.map((r) => r.index)).toEqual([7, 8, 9, 10])
    expect(scan.records.map((r) => r.payload)).toEqual(payloads)
  })

  it('detects a flipped bit anywhere in a frame', () => {
    const frame = encodeFrame(1, Buffer.from('hello world'))
    for (let at = 0; at < frame.length; at++) {
      const damaged = Buffer.from(frame)
      damaged[at] ^= 0x10
      const scan = scanFrames(damaged, 1, 1024)
      expect(scan.records, `flip at byte ${at}`).toEqual([])
      expect(scan.defect, `flip at byte ${at}`).toBeDefined()
    }
  })

  it('rejects a valid frame read at the wrong index (a misplaced record)', () => {
    const scan = scanFrames(encodeFrame(5, Buffer.from('a')), 6, 1024)
    expect(scan.defect).toEqual({kind: 'crc-mismatch', offset: 0})
  })

  it('does not read zero bytes (a crash-extended file) as empty records', () => {
    const scan = scanFrames(Buffer.alloc(64), 1, 1024)
    expect(scan.records).toEqual([])
    expect(scan.defect).toEqual({kind: 'crc-mismatch', offset: 0})
  })

  it('names the defect: partial header, length over limit, record past the end', () => {
    const good = encodeFrame(1, Buffer.from('ok'))
    const next = encodeFrame(2, Buffer.from('cut short'))
    expect(scanFrames(Buffer.concat([good, next.subarray(0, 5)]), 1, 1024)).toMatchObject({
      validBytes: good.length,
      defect: {kind: 'partial-header', offset: good.length},
    })
    expect(scanFrames(Buffer.concat([good, next.subarray(0, FRAME_HEADER_BYTES + 3)]), 1, 1024).defect).toEqual({
      kind: 'past-end',
      offset: good.length,
      length: 9,
    })
    expect(scanFrames(Buffer.concat([good, next]), 1, 4).defect).toEqual({kind: 'length-over-limit', offset: good.length, length: 9})
  })
})
