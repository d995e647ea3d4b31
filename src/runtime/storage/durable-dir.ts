import {existsSync, mkdirSync, unlinkSync} from 'node:fs'
import {dirname} from 'node:path'
import {fsyncDirSync} from './atomic-file.js'

/**
 * Creates `dir` (and missing parents) so that the new directory entries
 * survive a crash: a new name is durable only once its parent is fsynced.
 */
export function ensureDirDurableSync(dir: string): void {
  if (existsSync(dir)) return
  const parent = dirname(dir)
  if (parent !== dir) ensureDirDurableSync(parent)
  mkdirSync(dir)
  fsyncDirSync(parent)
}

/** Unlinks `path` and fsyncs its directory so the removal survives a crash. */
export function removeFileDurableSync(path: string): void {
  unlinkSync(path)
  fsyncDirSync(dirname(path))
}
