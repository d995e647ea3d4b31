import {closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync} from 'node:fs'
import {join} from 'node:path'

/**
 * Median time of one small append + fdatasync in a fresh file under `dir`:
 * the floor under every forced log record, so a reader can tell how much of
 * a transaction's latency is the disk and how much group commit saved.
 */
export function medianFdatasyncMs(dir: string, samples = 200): number {
  const scratch = mkdtempSync(join(dir, 'fsync-'))
  const fd = openSync(join(scratch, 'probe'), 'a')
  const record = Buffer.alloc(128, 1)
  const times: number[] = []
  try {
    for (let i = 0; i < samples; i++) {
      const started = process.hrtime.bigint()
      writeSync(fd, record)
      fdatasyncSync(fd)
      times.push(Number(process.hrtime.bigint() - started) / 1e6)
    }
  } finally {
    closeSync(fd)
    rmSync(scratch, {recursive: true, force: true})
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}
