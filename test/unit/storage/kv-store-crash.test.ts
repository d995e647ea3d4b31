import {spawn} from 'node:child_process'
import {readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {KvStore} from '../../../src/runtime/storage/kv-store.js'
import {compileStorageTo} from './compile-storage.js'
import {useTempDirs} from './temp-dirs.js'

const tempDir = useTempDirs()

/**
 * The child: writers that each loop writing a batch of two keys, printing a
 * line once the batch is acknowledged (durable). Small segments and a small
 * compaction bound so kills also land in rotation and compaction.
 */
const WRITER_SCRIPT = `
import {KvStore} from './runtime/storage/kv-store.js'
const [dir, round] = process.argv.slice(2)
const store = KvStore.open(dir, {segmentBytes: 2048, compactAfterBytes: 8192})
let next = 0
async function writer() {
  for (;;) {
    const n = next++
    await store.apply([
      {type: 'put', key: round + '/a' + n, value: 'v' + n},
      {type: 'put', key: round + '/b' + n, value: 'v' + n},
    ])
    process.stdout.write(n + '\\n')
  }
}
for (let w = 0; w < 8; w++) void writer()
`

/** Runs the writer child until it has acknowledged `ackTarget` batches, then SIGKILLs it. */
function runAndKill(moduleDir: string, storeDir: string, round: number, ackTarget: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(moduleDir, 'writer.js'), storeDir, String(round)], {stdio: ['ignore', 'pipe', 'pipe']})
    const acked: number[] = []
    let pending = ''
    let stderr = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n')
      pending = lines.pop()!
      for (const line of lines) acked.push(Number(line))
      if (acked.length >= ackTarget) child.kill('SIGKILL')
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked)
      else reject(new Error(`writer exited with ${code}: ${stderr}`))
    })
  })
}

describe('KvStore under kill -9', () => {
  it('keeps every acknowledged batch, whole, across repeated crashes', async () => {
    // Where the kill lands depends on scheduling, so there is no seed to
    // replay; the checks hold wherever it lands.
    const ackTargets = [60, 400, 150, 250]
    const moduleDir = tempDir()
    compileStorageTo(moduleDir)
    writeFileSync(join(moduleDir, 'writer.js'), WRITER_SCRIPT)
    const storeDir = tempDir()

    const ackedByRound: number[][] = []
    for (const [round, ackTarget] of ackTargets.entries()) {
      ackedByRound.push(await runAndKill(moduleDir, storeDir, round, ackTarget))

      const store = KvStore.open(storeDir)
      for (const [r, acked] of ackedByRound.entries()) {
        for (const n of acked) {
          expect(store.get(`${r}/a${n}`), `round ${r} batch ${n} was acknowledged`).toBe(`v${n}`)
        }
      }
      // Unacknowledged batches may survive, but only whole.
      for (const key of store.keys()) {
        const [r, name] = key.split('/')
        const other = `${r}/${name[0] === 'a' ? 'b' : 'a'}${name.slice(1)}`
        expect(store.has(other), `${key} survived without ${other}`).toBe(true)
      }
      await store.close()
    }
    // The runs were long enough to compact, so kills could land in compaction too.
    expect(readdirSync(join(storeDir, 'snapshots')).length).toBeGreaterThan(0)
  })
})
