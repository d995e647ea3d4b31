import {dirname} from 'node:path'
import {realDisk, type Disk} from '../env/disk.js'

/** The temporary file an atomic write goes through; a crash can leave it behind. */
const tempPath = (path: string): string => `${path}.tmp-${process.pid}`

/** Whether `name` is a temporary file an interrupted atomic write of `target` left behind. */
export function isAtomicWriteLeftover(name: string, target: RegExp): boolean {
  const match = /^(.*)\.tmp-\d+$/.exec(name)
  return match !== null && target.test(match[1])
}

/**
 * Replaces `path` with `data` so that after a crash the file holds either the
 * old or the new contents, never a mix: write a temporary file, fsync it,
 * rename it over the target, then fsync the directory so the rename itself
 * is durable.
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, disk: Disk = realDisk): void {
  const tmp = tempPath(path)
  const fd = disk.openSync(tmp, 'w')
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data
    let off = 0
    while (off < buf.length) off += disk.writeSync(fd, buf, off, buf.length - off)
    disk.fsyncSync(fd)
  } finally {
    disk.closeSync(fd)
  }
  disk.renameSync(tmp, path)
  fsyncDirSync(dirname(path), disk)
}

/**
 * writeFileAtomicSync without blocking the event loop on the writes and
 * fsyncs (open, close and rename touch no device and stay synchronous).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, disk: Disk = realDisk): Promise<void> {
  const tmp = tempPath(path)
  const fd = disk.openSync(tmp, 'w')
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data
    let off = 0
    while (off < buf.length) off += await disk.write(fd, buf, off, buf.length - off, off)
    await disk.fsync(fd)
  } finally {
    disk.closeSync(fd)
  }
  disk.renameSync(tmp, path)
  const dirFd = disk.openSync(dirname(path), 'r')
  try {
    await disk.fsync(dirFd)
  } finally {
    disk.closeSync(dirFd)
  }
}

/** Makes the names created, renamed or removed in `dir` durable. */
export function fsyncDirSync(dir: string, disk: Disk): void {
  const fd = disk.openSync(dir, 'r')
  try {
    disk.fsyncSync(fd)
  } finally {
    disk.closeSync(fd)
  }
}

/** Reads a JSON file written by writeFileAtomicSync, or undefined when absent. */
export function readJsonFileSync<T>(path: string, disk: Disk = realDisk): T | undefined {
  let text: string
  try {
    text = disk.readFileSync(path).toString('utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  return JSON.parse(text) as T
}
