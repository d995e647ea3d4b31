import {closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync} from 'node:fs'
import {open, rename} from 'node:fs/promises'
import {dirname} from 'node:path'

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
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const tmp = tempPath(path)
  const fd = openSync(tmp, 'w')
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data
    let off = 0
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  fsyncDirSync(dirname(path))
}

/** writeFileAtomicSync without blocking the event loop on the fsyncs. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPath(path)
  const file = await open(tmp, 'w')
  try {
    await file.writeFile(data)
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(tmp, path)
  const dir = await open(dirname(path), 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}

export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Reads a JSON file written by writeFileAtomicSync, or undefined when absent. */
export function readJsonFileSync<T>(path: string): T | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  return JSON.parse(text) as T
}
