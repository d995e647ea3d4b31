import {readdirSync, rmSync, statSync, truncateSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {KvStore, type KvStoreOptions} from '../../../src/runtime/storage/kv-store.js'
import {StorageClosedError, StorageCorruptionError} from '../../../src/runtime/storage/storage-errors.js'
import {useTempDirs} from './temp-dirs.js'

const tempDir = useTempDirs()

async function reopen(store: KvStore, dir: string, options: KvStoreOptions = {}): Promise<KvStore> {
  await store.close()
  return KvStore.open(dir, options)
}

function lastSegment(dir: string): string {
  const names = readdirSync(join(dir, 'wal')).sort()
  return join(dir, 'wal', names[names.length - 1])
}

describe('KvStore', () => {
  it('puts, gets, deletes and lists, and keeps it all across a reopen', async () => {
    const dir = tempDir()
    let store = KvStore.open(dir)
    await store.put('a', '1')
    await store.put('b', '2')
    await store.put('a', '3')
    await store.delete('b')
    await store.delete('never-there')
    expect(store.get('a')).toBe('3')
    expect(store.has('b')).toBe(false)
    expect([...store.entries()]).toEqual([['a', '3']])

    store = await reopen(store, dir)
    expect([...store.keys()]).toEqual(['a'])
    expect(store.get('a')).toBe('3')
    expect(store.size).toBe(1)
    await store.close()
  })

  it('shows a write to readers only once it is durable', async () => {
    const store = KvStore.open(tempDir())
    const written = store.put('k', 'v')
    expect(store.get('k')).toBeUndefined()
    await written
    expect(store.get('k')).toBe('v')
    await store.close()
  })

  it('applies concurrent writes in call order, before and after a reopen', async () => {
    const dir = tempDir()
    let store = KvStore.open(dir)
    await Promise.all(Array.from({length: 100}, (_, i) => store.put('same', `v${i}`)))
    expect(store.get('same')).toBe('v99')
    store = await reopen(store, dir)
    expect(store.get('same')).toBe('v99')
    await store.close()
  })

  it('lets many concurrent writers share fsyncs', async () => {
    const store = KvStore.open(tempDir())
    await Promise.all(
      Array.from({length: 20}, async (_, w) => {
        for (let i = 0; i < 10; i++) await store.put(`w${w}`, `${i}`)
      }),
    )
    const stats = store.stats()
    expect(stats.recordsWritten).toBe(200)
    expect(stats.fsyncs).toBeLessThanOrEqual(20)
    await store.close()
  })

  it('writes a batch as one record, applied whole or, when torn, not at all', async () => {
    const dir = tempDir()
    let store = KvStore.open(dir)
    await store.put('before', 'x')
    await store.apply([
      {type: 'put', key: 'a', value: '1'},
      {type: 'put', key: 'b', value: '2'},
      {type: 'delete', key: 'before'},
    ])
    expect(store.stats().recordsWritten).toBe(2)
    expect([...store.entries()]).toEqual([
      ['a', '1'],
      ['b', '2'],
    ])
    store = await reopen(store, dir)
    expect(store.get('b')).toBe('2')
    await store.close()

    // Tear the batch record: the store falls back to the state before it.
    const segment = lastSegment(dir)
    truncateSync(segment, statSync(segment).size - 3)
    store = KvStore.open(dir)
    expect([...store.entries()]).toEqual([['before', 'x']])
    await store.close()
  })

  it('copies the ops it is given', async () => {
    const store = KvStore.open(tempDir())
    const ops = [{type: 'put' as const, key: 'k', value: 'original'}]
    const done = store.apply(ops)
    ops[0].value = 'changed'
    await done
    expect(store.get('k')).toBe('original')
    await store.close()
  })

  it('rejects empty batches and writes after close', async () => {
    const store = KvStore.open(tempDir())
    await expect(store.apply([])).rejects.toThrow(RangeError)
    await store.close()
    await expect(store.put('k', 'v')).rejects.toThrow(StorageClosedError)
    expect(() => store.compact()).toThrow(StorageClosedError)
  })

  it('recovers from a snapshot plus the writes made after it', async () => {
    const dir = tempDir()
    const options = {segmentBytes: 128}
    let store = KvStore.open(dir, options)
    for (let i = 0; i < 20; i++) await store.put(`k${i}`, `v${i}`)
    const segmentsBefore = store.stats().segments
    store.compact()
    expect(store.stats()).toMatchObject({snapshotIndex: 20, compactions: 1, unsnapshottedBytes: 0})
    expect(store.stats().segments).toBeLessThan(segmentsBefore)

    await store.put('k0', 'changed')
    await store.delete('k1')
    await store.put('new', 'n')
    store = await reopen(store, dir, options)
    expect(store.get('k0')).toBe('changed')
    expect(store.has('k1')).toBe(false)
    expect(store.get('k19')).toBe('v19')
    expect(store.get('new')).toBe('n')
    expect(store.size).toBe(20)
    expect(store.stats()).toMatchObject({appliedIndex: 23, snapshotIndex: 20})
    await store.close()
  })

  it('compacts by itself once the WAL grows past compactAfterBytes, keeping disk use bounded', async () => {
    const dir = tempDir()
    const options = {segmentBytes: 512, compactAfterBytes: 2048}
    let store = KvStore.open(dir, options)
    for (let i = 0; i < 500; i++) await store.put(`key-${i % 37}`, `value-${i}`)
    expect(store.stats().compactions).toBeGreaterThan(5)
    const walBytes = readdirSync(join(dir, 'wal')).reduce((sum, name) => sum + statSync(join(dir, 'wal', name)).size, 0)
    expect(walBytes).toBeLessThanOrEqual(2048 + 2 * 512)
    expect(readdirSync(join(dir, 'snapshots'))).toHaveLength(1)
    const expected = [...store.entries()]

    store = await reopen(store, dir, options)
    expect([...store.entries()].sort()).toEqual(expected.sort())
    expect(store.get(`key-${499 % 37}`)).toBe('value-499')
    await store.close()
  })

  it('refuses to open when the log was trimmed but the snapshot covering it is gone', async () => {
    const dir = tempDir()
    const options = {segmentBytes: 64}
    const store = KvStore.open(dir, options)
    for (let i = 0; i < 10; i++) await store.put(`k${i}`, 'v')
    store.compact()
    await store.close()
    rmSync(join(dir, 'snapshots'), {recursive: true})
    expect(() => KvStore.open(dir, options)).toThrow(StorageCorruptionError)
    expect(() => KvStore.open(dir, options)).toThrow(/latest snapshot covers only records up to 0/)
  })
})
