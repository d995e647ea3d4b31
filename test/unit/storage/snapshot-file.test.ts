import {readdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadLatestSnapshotSync, removeSnapshotsBefore, writeSnapshotSync} from '../../../src/runtime/storage/snapshot-file.js'
import {StorageCorruptionError} from '../../../src/runtime/storage/storage-errors.js'
import {useTempDirs} from './temp-dirs.js'

const tempDir = useTempDirs()

describe('snapshot files', () => {
  it('loads nothing from a missing or empty directory', () => {
    const dir = tempDir()
    expect(loadLatestSnapshotSync(join(dir, 'absent'))).toBeUndefined()
    expect(loadLatestSnapshotSync(dir)).toBeUndefined()
  })

  it('loads the snapshot with the highest index, data intact', () => {
    const dir = join(tempDir(), 'snaps')
    writeSnapshotSync(dir, 9, 'nine')
    writeSnapshotSync(dir, 120, Buffer.from([1, 2, 3]))
    writeSnapshotSync(dir, 42, 'forty-two')
    expect(loadLatestSnapshotSync(dir)).toEqual({index: 120, data: Buffer.from([1, 2, 3])})
  })

  it('reports a damaged latest snapshot instead of falling back to an older one', () => {
    const dir = tempDir()
    writeSnapshotSync(dir, 1, 'old')
    writeSnapshotSync(dir, 2, 'new')
    const path = join(dir, '0000000000000002.snap')
    const bytes = readFileSync(path)
    bytes[bytes.length - 1] ^= 0x20
    writeFileSync(path, bytes)
    expect(() => loadLatestSnapshotSync(dir)).toThrow(StorageCorruptionError)
    expect(() => loadLatestSnapshotSync(dir)).toThrow(/CRC mismatch/)
  })

  it('reports a snapshot file renamed to another index', () => {
    const dir = tempDir()
    writeSnapshotSync(dir, 3, 'three')
    renameSync(join(dir, '0000000000000003.snap'), join(dir, '0000000000000004.snap'))
    expect(() => loadLatestSnapshotSync(dir)).toThrow(/holds the snapshot for index 3, not 4/)
  })

  it('removes older snapshots and leftover temp files, keeping the given index and newer', () => {
    const dir = tempDir()
    for (const index of [1, 5, 7, 9]) writeSnapshotSync(dir, index, `s${index}`)
    writeFileSync(join(dir, '0000000000000010.snap.tmp-12345'), 'half-written')
    expect(removeSnapshotsBefore(dir, 7)).toBe(2)
    expect(readdirSync(dir).sort()).toEqual(['0000000000000007.snap', '0000000000000009.snap'])
  })
})
