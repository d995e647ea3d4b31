import {describe, expect, it} from 'vitest'

import {SeededRng} from '../../../src/core/common/rng.js'
import {SimDisk} from '../../../src/runtime/env/sim-disk.js'
import {SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'

const bytes = (text: string): Buffer => Buffer.from(text)

function newDisk(): {sim: SimScheduler; disk: SimDisk} {
  const sim = new SimScheduler()
  return {sim, disk: new SimDisk(sim, 7)}
}

/** Writes `text` to a new file and makes both its bytes and its name durable. */
function createDurable(disk: SimDisk, dir: string, name: string, text: string): number {
  const fd = disk.openSync(`${dir}/${name}`, 'wx')
  disk.writeSync(fd, bytes(text), 0, text.length)
  disk.fsyncSync(fd)
  fsyncDir(disk, dir)
  return fd
}

function fsyncDir(disk: SimDisk, dir: string): void {
  const fd = disk.openSync(dir, 'r')
  disk.fsyncSync(fd)
  disk.closeSync(fd)
}

describe('SimDisk', () => {
  it('reads back what was written before any sync, as the page cache does', () => {
    const {disk} = newDisk()
    disk.mkdirSync('/d')
    const fd = disk.openSync('/d/f', 'w')
    disk.writeSync(fd, bytes('hello'), 0, 5)
    disk.writeSync(fd, bytes(' world'), 0, 6)
    expect(disk.readFileSync('/d/f').toString()).toBe('hello world')
    expect(disk.readdirSync('/d')).toEqual(['f'])
  })

  it('loses on a crash the bytes written after the last fsync and keeps the synced ones', () => {
    const {disk} = newDisk()
    const fd = createDurable(disk, '/', 'f', 'synced')
    disk.writeSync(fd, bytes('+unsynced'), 0, 9)
    disk.crash()
    expect(disk.readFileSync('/f').toString()).toBe('synced')
  })

  it('loses on a crash a new file whose directory was not fsynced, even though the file was', () => {
    const {disk} = newDisk()
    disk.mkdirSync('/d')
    fsyncDir(disk, '/')
    const fd = disk.openSync('/d/f', 'wx')
    disk.writeSync(fd, bytes('data'), 0, 4)
    disk.fsyncSync(fd)
    disk.crash()
    expect(disk.existsSync('/d/f')).toBe(false)
    expect(disk.readdirSync('/d')).toEqual([])
  })

  it('keeps the old name after a crash until the rename is made durable by fsyncing the directory', () => {
    const {disk} = newDisk()
    disk.mkdirSync('/d')
    fsyncDir(disk, '/')
    createDurable(disk, '/d', 'tmp', 'new')
    disk.renameSync('/d/tmp', '/d/target')
    expect(disk.readdirSync('/d')).toEqual(['target'])
    disk.crash()
    expect(disk.readdirSync('/d')).toEqual(['tmp'])

    disk.renameSync('/d/tmp', '/d/target')
    fsyncDir(disk, '/d')
    disk.crash()
    expect(disk.readdirSync('/d')).toEqual(['target'])
    expect(disk.readFileSync('/d/target').toString()).toBe('new')
  })

  it('brings an unlinked file back after a crash unless the directory was fsynced', () => {
    const {disk} = newDisk()
    createDurable(disk, '/', 'f', 'x')
    disk.unlinkSync('/f')
    disk.crash()
    expect(disk.existsSync('/f')).toBe(true)
    disk.unlinkSync('/f')
    fsyncDir(disk, '/')
    disk.crash()
    expect(disk.existsSync('/f')).toBe(false)
  })

  it('with a seeded crash keeps a prefix of the unsynced writes in order, the next one possibly torn, never more', () => {
    const writes = ['aaaa', 'bbbb', 'cccc', 'dddd']
    const outcomes = new Set<string>()
    for (let seed = 1; seed <= 200; seed++) {
      const {disk} = newDisk()
      const fd = createDurable(disk, '/', 'f', 'S')
      for (const w of writes) disk.writeSync(fd, bytes(w), 0, w.length)
      disk.crash(new SeededRng(seed))
      const after = disk.readFileSync('/f').toString()
      expect(`S${writes.join('')}`.startsWith(after), `seed=${seed}: ${after}`).toBe(true)
      outcomes.add(after)
    }
    // Everything from nothing kept to all kept occurs, torn in the middle of a write too.
    expect(outcomes).toContain('S')
    expect(outcomes).toContain('Saaaabbbbccccdddd')
    expect([...outcomes].some((o) => (o.length - 1) % 4 !== 0)).toBe(true)
  })

  it('completes write and fdatasync through the scheduler after a latency, and a halt stops them for good', async () => {
    const {sim, disk} = newDisk()
    const fd = createDurable(disk, '/', 'f', '')
    let done = false
    const written = disk.write(fd, bytes('abc'), 0, 3, 0).then(async (n) => {
      await disk.fdatasync(fd)
      done = true
      return n
    })
    expect(disk.readFileSync('/f').length).toBe(0)
    await sim.runWhile(() => !done, 10)
    expect(sim.now).toBeGreaterThan(0)
    expect(await written).toBe(3)
    disk.crash()
    expect(disk.readFileSync('/f').toString()).toBe('abc')

    const fd2 = disk.openSync('/f', 'r+')
    let settled = false
    void disk.write(fd2, bytes('zzz'), 0, 3, 0).finally(() => (settled = true))
    disk.halt()
    await sim.runUntil(sim.now + 100)
    expect(settled).toBe(false)
    expect(disk.readFileSync('/f').toString()).toBe('abc')
  })

  it('fails as node:fs does: ENOENT, EEXIST, EBADF after a crash', () => {
    const {disk} = newDisk()
    expect(() => disk.readFileSync('/missing')).toThrow(expect.objectContaining({code: 'ENOENT'}))
    expect(() => disk.openSync('/no/such/f', 'w')).toThrow(expect.objectContaining({code: 'ENOENT'}))
    const fd = disk.openSync('/f', 'wx')
    expect(() => disk.openSync('/f', 'wx')).toThrow(expect.objectContaining({code: 'EEXIST'}))
    disk.mkdirSync('/d')
    expect(() => disk.mkdirSync('/d')).toThrow(expect.objectContaining({code: 'EEXIST'}))
    disk.crash()
    expect(() => disk.fsyncSync(fd)).toThrow(expect.objectContaining({code: 'EBADF'}))
  })
})
