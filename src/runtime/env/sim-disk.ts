import {posix} from 'node:path'

import {SeededRng, type Rng} from '../../core/common/rng.js'
import type {Disk, OpenFlags} from './disk.js'
import type {Timer} from './env.js'

/** Where a SimDisk's asynchronous operations complete: a SimScheduler. */
export interface DiskClock {
  after(delayMs: number, fn: () => void): Timer
}

/** A byte array that grows by doubling, so appends cost their own length. */
class Bytes {
  private buf = Buffer.alloc(0)
  length = 0

  write(position: number, bytes: Uint8Array): void {
    const end = position + bytes.length
    if (end > this.buf.length) {
      const grown = Buffer.alloc(Math.max(end, this.buf.length * 2))
      this.buf.copy(grown, 0, 0, this.length)
      this.buf = grown
    }
    // A write past the end leaves a hole of zeros, as on a real file.
    if (position > this.length) this.buf.fill(0, this.length, position)
    this.buf.set(bytes, position)
    this.length = Math.max(this.length, end)
  }

  truncate(length: number): void {
    if (length > this.length) this.write(length, new Uint8Array(0))
    this.length = length
  }

  copy(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length))
  }
}

type FileChange = {kind: 'write'; position: number; bytes: Buffer} | {kind: 'truncate'; length: number}

/** What reads see (`data`), what survives a crash (`durable`), and the changes between them in order. */
interface FileNode {
  kind: 'file'
  data: Bytes
  durable: Bytes
  unsynced: FileChange[]
}

/** One directory operation's name updates (a rename within a directory is one change: atomic, as in a journal). */
type EntryChange = Array<[name: string, node: Node | undefined]>

interface DirNode {
  kind: 'dir'
  entries: Map<string, Node>
  durable: Map<string, Node>
  unsynced: EntryChange[]
}

type Node = FileNode | DirNode

interface OpenFile {
  node: Node
  path: string
  writable: boolean
  position: number
}

/** An Error as node:fs makes them: `code`, `syscall`, `path`. */
function fsError(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  const messages: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EEXIST: 'file already exists',
    EISDIR: 'illegal operation on a directory',
    ENOTDIR: 'not a directory',
    EBADF: 'bad file descriptor',
    ENOTEMPTY: 'directory not empty',
  }
  const where = path === undefined ? syscall : `${syscall} '${path}'`
  return Object.assign(new Error(`${code}: ${messages[code]}, ${where}`), {code, syscall, path})
}

const newFile = (): FileNode => ({kind: 'file', data: new Bytes(), durable: new Bytes(), unsynced: []})
const newDir = (): DirNode => ({kind: 'dir', entries: new Map(), durable: new Map(), unsynced: []})

function applyFileChange(bytes: Bytes, change: FileChange): void {
  if (change.kind === 'write') bytes.write(change.position, change.bytes)
  else bytes.truncate(change.length)
}

function applyEntryChange(entries: Map<string, Node>, change: EntryChange): void {
  for (const [name, node] of change) {
    if (node) entries.set(name, node)
    else entries.delete(name)
  }
}

/** Simulated latencies, milliseconds: a write reaches the page cache quickly, a sync waits for the device. */
const WRITE_MS = {min: 0.01, max: 0.2}
const SYNC_MS = {min: 0.1, max: 2}

/**
 * A simulated disk for one simulated node, kept across the node's restarts
 * (after FoundationDB's AsyncFileNonDurable). Files and directories live in
 * memory; what reads see and what a crash keeps differ, as on Linux with no
 * assumptions about the file system:
 *
 * - Bytes written to a file are durable once the file is fsynced.
 * - A name created, renamed or unlinked is durable once its directory is
 *   fsynced. A rename within one directory is atomic; across directories it
 *   is two changes, one per directory.
 * - `crash()` keeps what is durable plus, given a seeded Rng, a prefix of
 *   each file's and directory's unsynced changes in order, the last kept file
 *   write possibly torn (a prefix of its bytes): the torn tail a WAL must
 *   recover from.
 * - `halt()` (the process died) and `crash()` close every fd, and operations
 *   in flight never complete: the process that issued them is gone.
 *
 * Sync operations take effect at once. `write`, `fsync` and `fdatasync`
 * complete through the scheduler after a seeded latency, so other simulated
 * events interleave with them; they take effect when they complete.
 */
export class SimDisk implements Disk {
  private readonly root = newDir()
  private readonly fds = new Map<number, OpenFile>()
  private nextFd = 3
  /** Counts halts: an operation issued before one never completes. */
  private generation = 0
  private readonly rng: SeededRng

  constructor(
    private readonly clock: DiskClock,
    seed: number,
  ) {
    this.rng = new SeededRng(seed)
  }

  openSync(path: string, flags: OpenFlags): number {
    if (flags === 'r' || flags === 'r+') {
      const node = this.lookup(path, 'open')
      if (node.kind === 'dir' && flags === 'r+') throw fsError('EISDIR', 'open', path)
      return this.newFd(node, path, flags === 'r+')
    }
    const {dir, name} = this.parent(path, 'open')
    let node = dir.entries.get(name)
    if (node && flags === 'wx') throw fsError('EEXIST', 'open', path)
    if (node?.kind === 'dir') throw fsError('EISDIR', 'open', path)
    if (node) {
      this.changeFile(node, {kind: 'truncate', length: 0})
    } else {
      node = newFile()
      this.changeEntries(dir, [[name, node]])
    }
    return this.newFd(node, path, true)
  }

  closeSync(fd: number): void {
    this.open(fd, 'close')
    this.fds.delete(fd)
  }

  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number {
    const file = this.writableFile(fd, 'write')
    const open = this.fds.get(fd)!
    this.changeFile(file, {kind: 'write', position: open.position, bytes: Buffer.from(buffer.subarray(offset, offset + length))})
    open.position += length
    return length
  }

  fsyncSync(fd: number): void {
    this.sync(this.open(fd, 'fsync').node)
  }

  ftruncateSync(fd: number, length: number): void {
    this.changeFile(this.writableFile(fd, 'ftruncate'), {kind: 'truncate', length})
  }

  readFileSync(path: string): Buffer {
    const node = this.lookup(path, 'open')
    if (node.kind === 'dir') throw fsError('EISDIR', 'read', path)
    return node.data.copy()
  }

  readdirSync(path: string): string[] {
    const node = this.lookup(path, 'scandir')
    if (node.kind !== 'dir') throw fsError('ENOTDIR', 'scandir', path)
    return [...node.entries.keys()].sort()
  }

  renameSync(oldPath: string, newPath: string): void {
    const from = this.parent(oldPath, 'rename')
    const node = from.dir.entries.get(from.name)
    if (!node) throw fsError('ENOENT', 'rename', oldPath)
    const to = this.parent(newPath, 'rename')
    const target = to.dir.entries.get(to.name)
    if (target?.kind === 'dir') throw fsError(target.entries.size > 0 ? 'ENOTEMPTY' : 'EISDIR', 'rename', newPath)
    if (from.dir === to.dir) {
      this.changeEntries(from.dir, [[from.name, undefined], [to.name, node]])
    } else {
      this.changeEntries(to.dir, [[to.name, node]])
      this.changeEntries(from.dir, [[from.name, undefined]])
    }
  }

  unlinkSync(path: string): void {
    const {dir, name} = this.parent(path, 'unlink')
    const node = dir.entries.get(name)
    if (!node) throw fsError('ENOENT', 'unlink', path)
    if (node.kind === 'dir') throw fsError('EISDIR', 'unlink', path)
    this.changeEntries(dir, [[name, undefined]])
  }

  mkdirSync(path: string): void {
    const {dir, name} = this.parent(path, 'mkdir')
    if (dir.entries.has(name)) throw fsError('EEXIST', 'mkdir', path)
    this.changeEntries(dir, [[name, newDir()]])
  }

  existsSync(path: string): boolean {
    try {
      this.lookup(path, 'access')
      return true
    } catch {
      return false
    }
  }

  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    let file: FileNode
    try {
      file = this.writableFile(fd, 'write')
    } catch (err) {
      return Promise.reject(err)
    }
    // Taken when issued, like the bytes a real write hands to the kernel.
    const bytes = Buffer.from(buffer.subarray(offset, offset + length))
    return this.later(WRITE_MS, () => {
      this.changeFile(file, {kind: 'write', position, bytes})
      return length
    })
  }

  fsync(fd: number): Promise<void> {
    return this.syncLater(fd, 'fsync')
  }

  fdatasync(fd: number): Promise<void> {
    return this.syncLater(fd, 'fdatasync')
  }

  /**
   * The process using the disk died (kill -9): its fds are closed and its
   * operations in flight never complete, so none of its code runs on. What
   * it wrote stays, durable or not: the OS still has it.
   */
  halt(): void {
    this.generation++
    this.fds.clear()
  }

  /**
   * Power loss (and so `halt()`): everything not durable is lost, except that
   * with `rng` a seeded prefix of each file's and directory's unsynced
   * changes survives, the next file write possibly torn. Without `rng`
   * nothing unsynced survives. Reopen files by path afterwards.
   */
  crash(rng?: Rng): void {
    this.halt()
    const seen = new Set<Node>()
    const settle = (node: Node): void => {
      if (seen.has(node)) return
      seen.add(node)
      if (node.kind === 'file') return settleFile(node, rng)
      const kept = rng ? rng.int(node.unsynced.length + 1) : 0
      for (const change of node.unsynced.slice(0, kept)) applyEntryChange(node.durable, change)
      node.unsynced = []
      node.entries = new Map(node.durable)
      for (const child of node.entries.values()) settle(child)
    }
    settle(this.root)
  }

  /** Parent directory and last name of `path`; ENOENT or ENOTDIR when the parent is missing or a file. */
  private parent(path: string, syscall: string): {dir: DirNode; name: string} {
    const parts = splitPath(path)
    const name = parts.pop()
    if (name === undefined) throw fsError('EEXIST', syscall, path)
    const dir = this.walk(parts, path, syscall)
    if (dir.kind !== 'dir') throw fsError('ENOTDIR', syscall, path)
    return {dir, name}
  }

  private lookup(path: string, syscall: string): Node {
    return this.walk(splitPath(path), path, syscall)
  }

  private walk(parts: string[], path: string, syscall: string): Node {
    let node: Node = this.root
    for (const part of parts) {
      if (node.kind !== 'dir') throw fsError('ENOTDIR', syscall, path)
      const next: Node | undefined = node.entries.get(part)
      if (!next) throw fsError('ENOENT', syscall, path)
      node = next
    }
    return node
  }

  private newFd(node: Node, path: string, writable: boolean): number {
    const fd = this.nextFd++
    this.fds.set(fd, {node, path, writable, position: 0})
    return fd
  }

  private open(fd: number, syscall: string): OpenFile {
    const open = this.fds.get(fd)
    if (!open) throw fsError('EBADF', syscall)
    return open
  }

  private writableFile(fd: number, syscall: string): FileNode {
    const open = this.open(fd, syscall)
    if (!open.writable) throw fsError('EBADF', syscall, open.path)
    if (open.node.kind !== 'file') throw fsError('EISDIR', syscall, open.path)
    return open.node
  }

  private changeFile(file: FileNode, change: FileChange): void {
    applyFileChange(file.data, change)
    file.unsynced.push(change)
  }

  private changeEntries(dir: DirNode, change: EntryChange): void {
    applyEntryChange(dir.entries, change)
    dir.unsynced.push(change)
  }

  private sync(node: Node): void {
    if (node.kind === 'file') {
      for (const change of node.unsynced) applyFileChange(node.durable, change)
    } else {
      for (const change of node.unsynced) applyEntryChange(node.durable, change)
    }
    node.unsynced = []
  }

  private syncLater(fd: number, syscall: string): Promise<void> {
    let node: Node
    try {
      node = this.open(fd, syscall).node
    } catch (err) {
      return Promise.reject(err)
    }
    return this.later(SYNC_MS, () => this.sync(node))
  }

  /** Runs `effect` after a seeded latency, unless the process halts first: then the promise never settles. */
  private later<T>(latencyMs: {min: number; max: number}, effect: () => T): Promise<T> {
    const generation = this.generation
    const delayMs = latencyMs.min + this.rng.next() * (latencyMs.max - latencyMs.min)
    return new Promise<T>((resolve) => {
      this.clock.after(delayMs, () => {
        if (this.generation === generation) resolve(effect())
      })
    })
  }
}

/** What a crash leaves of one file: the durable bytes, then (seeded) a prefix of the unsynced changes, the next write torn. */
function settleFile(file: FileNode, rng: Rng | undefined): void {
  if (rng) {
    const kept = rng.int(file.unsynced.length + 1)
    for (const change of file.unsynced.slice(0, kept)) applyFileChange(file.durable, change)
    const torn = file.unsynced[kept]
    if (torn?.kind === 'write' && rng.next() < 0.5) {
      file.durable.write(torn.position, torn.bytes.subarray(0, rng.int(torn.bytes.length)))
    }
  }
  file.unsynced = []
  file.data = new Bytes()
  file.data.write(0, file.durable.copy())
}

/** The names along an absolute path (relative paths are taken from `/`). */
function splitPath(path: string): string[] {
  return posix.resolve('/', path).split('/').filter((part) => part !== '')
}
