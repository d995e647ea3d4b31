import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {KvStore} from '../../../src/runtime/storage/kv-store.js'
import {ShardStore} from '../../../src/nodes/ring-shard/shard-store.js'

const dirs: string[] = []
function openStore(): ShardStore {
  const dir = mkdtempSync(join(tmpdir(), 'dsys-shard-'))
  dirs.push(dir)
  return new ShardStore(KvStore.open(dir))
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

describe('ShardStore put-if-absent (migration copies)', () => {
  it('skips a key whose client write is still in flight, so the copy cannot land after it', async () => {
    const store = openStore()
    const clientWrite = store.put('k', 'new')
    const written = await store.putMany([{key: 'k', value: 'old copy'}, {key: 'j', value: 'copy'}], true)
    await clientWrite
    expect(written).toBe(1)
    expect(store.get('k')).toBe('new')
    expect(store.get('j')).toBe('copy')
    await store.close()
  })

  it('skips present keys, writes absent ones, and deleteMany reports how many were present', async () => {
    const store = openStore()
    await store.put('a', '1')
    expect(await store.putMany([{key: 'a', value: 'x'}, {key: 'b', value: '2'}], true)).toBe(1)
    expect(await store.putMany([{key: 'a', value: 'x'}], false)).toBe(1)
    expect([store.get('a'), store.get('b')]).toEqual(['x', '2'])
    expect(await store.deleteMany(['a', 'missing'])).toBe(1)
    expect(store.keys()).toEqual(['b'])
    await store.close()
  })
})
