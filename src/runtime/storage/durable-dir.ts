import {dirname} from 'node:path'
import type {Disk} from '../env/disk.js'
import {fsyncDirSync} from './atomic-file.js'

/**
 * Creates `dir` (and missing parents) so that the new directory entries
 * survive a crash: a new name is durable only once its parent is fsynced.
 */
export function ensureDirDurableSync(dir: string, disk: Disk): void {
  if (disk.existsSync(dir)) return
  const parent = dirname(dir)
  if (parent !== dir) ensureDirDurableSync(parent, disk)
  disk.mkdirSync(dir)
  fsyncDirSync(parent, disk)
}

/** Unlinks `path` and fsyncs its directory so the removal survives a crash. */
export function removeFileDurableSync(path: string, disk: Disk): void {
  disk.unlinkSync(path)
  fsyncDirSync(dirname(path), disk)
}
