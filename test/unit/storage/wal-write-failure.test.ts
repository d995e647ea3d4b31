import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {Wal} from '../../../src/runtime/storage/wal.js'
import {compileStorageTo} from './compile-storage.js'
import {useTempDirs} from './temp-dirs.js'

const tempDir = useTempDirs()

/**
 * Appends 100-byte records until one fails, then tries once more, and prints
 * what happened as JSON. Run under `ulimit -f`, the file-size limit makes a
 * real write fail with EFBIG (Node ignores SIGXFSZ).
 */
const APPEND_UNTIL_FAILURE_SCRIPT = `
import {Wal} from './runtime/storage/wal.js'
const {wal} = Wal.open(process.argv[2])
let acknowledged = 0
let first
try {
  for (;;) {
    await Promise.all([wal.append(['x'.repeat(100)]), wal.append(['x'.repeat(100)])])
    acknowledged += 2
  }
} catch (err) {
  first = err
}
const later = await wal.append(['y']).then(() => undefined, (err) => err)
await wal.close()
console.log(JSON.stringify({acknowledged, first: first.name, cause: first.cause.code, laterIsSame: later === first}))
`

describe('Wal after a failed write', () => {
  it('rejects the batch and every later append, and keeps what was acknowledged', async () => {
    const moduleDir = tempDir()
    compileStorageTo(moduleDir)
    writeFileSync(join(moduleDir, 'append.js'), APPEND_UNTIL_FAILURE_SCRIPT)
    const walDir = tempDir()
    // ulimit -f counts 1024-byte blocks: the segment cannot grow past 4 KiB.
    const output = execFileSync('bash', ['-c', 'ulimit -f 4 && exec "$0" "$1" "$2"', process.execPath, join(moduleDir, 'append.js'), walDir], {
      encoding: 'utf8',
    })
    const result = JSON.parse(output) as {acknowledged: number; first: string; cause: string; laterIsSame: boolean}
    expect(result).toMatchObject({first: 'StorageFailedError', cause: 'EFBIG', laterIsSame: true})
    expect(result.acknowledged).toBeGreaterThan(0)

    const {wal, records} = Wal.open(walDir)
    await wal.close()
    expect(records.length).toBeGreaterThanOrEqual(result.acknowledged)
    expect(records.slice(0, result.acknowledged).every((r) => r.payload.toString() === 'x'.repeat(100))).toBe(true)
  })
})
