import {closeSync, existsSync, fdatasync, fsync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, write, writeSync} from 'node:fs'
import {promisify} from 'node:util'

/**
 * How a file is opened, as in node:fs: `r` reads (a directory too, to fsync
 * it), `r+` reads and writes an existing file, `w` creates or truncates,
 * `wx` creates and fails with EEXIST when the name is taken.
 */
export type OpenFlags = 'r' | 'r+' | 'w' | 'wx'

/**
 * The part of node:fs the storage layer uses, so that a simulation can run
 * the production storage code on a `SimDisk`. Errors are node:fs errors: an
 * Error with `code` (ENOENT, EEXIST, EISDIR, EBADF...). A name created,
 * renamed or unlinked is durable only once its directory is fsynced (open the
 * directory with `r` and fsync that fd); written bytes only once their file is.
 * Paths are absolute or relative to the process's working directory.
 *
 * Every function of src/runtime/storage takes its Disk as its last parameter;
 * the ones other layers call default to `realDisk`, and a node passes
 * `env.disk`.
 */
export interface Disk {
  openSync(path: string, flags: OpenFlags): number
  closeSync(fd: number): void
  /** Writes at the fd's position and advances it; returns the bytes written. */
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number
  fsyncSync(fd: number): void
  ftruncateSync(fd: number, length: number): void
  /** A fresh buffer the caller owns. */
  readFileSync(path: string): Buffer
  readdirSync(path: string): string[]
  renameSync(oldPath: string, newPath: string): void
  unlinkSync(path: string): void
  /** One level: the parent must exist; EEXIST when `path` does. */
  mkdirSync(path: string): void
  existsSync(path: string): boolean
  /** Writes at `position`, without moving the fd's position; resolves with the bytes written. */
  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>
  /** Data and metadata: what a new file or a directory needs. */
  fsync(fd: number): Promise<void>
  /** Data and the metadata needed to read it back (the size): enough for appends to an existing file. */
  fdatasync(fd: number): Promise<void>
}

const writeAsync = promisify(write)

/** The machine's own disk: node:fs, unchanged. */
export const realDisk: Disk = {
  openSync: (path, flags) => openSync(path, flags),
  closeSync: (fd) => closeSync(fd),
  writeSync: (fd, buffer, offset, length) => writeSync(fd, buffer, offset, length),
  fsyncSync: (fd) => fsyncSync(fd),
  ftruncateSync: (fd, length) => ftruncateSync(fd, length),
  readFileSync: (path) => readFileSync(path),
  readdirSync: (path) => readdirSync(path),
  renameSync: (oldPath, newPath) => renameSync(oldPath, newPath),
  unlinkSync: (path) => unlinkSync(path),
  mkdirSync: (path) => mkdirSync(path),
  existsSync: (path) => existsSync(path),
  write: async (fd, buffer, offset, length, position) => (await writeAsync(fd, buffer, offset, length, position)).bytesWritten,
  fsync: promisify(fsync),
  fdatasync: promisify(fdatasync),
}
