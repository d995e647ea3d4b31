import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'

import type {Entry, HardState, Ready, Snapshot} from '../../../src/core/raft/index.js'
import {writeSnapshotSync} from '../../../src/runtime/storage/snapshot-file.js'
import {RaftLogStore} from '../../../src/nodes/raft-node/raft-log-store.js'

const SEGMENT_BYTES = 4096
const dirs: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsys-raft-log-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

const entries = (from: number, to: number, term: number): Entry[] =>
  Array.from({length: to - from + 1}, (_, i) => ({index: from + i, term, data: `e${from + i}t${term}`}))

function ready(parts: {entries?: Entry[]; hardState?: HardState; snapshot?: Snapshot}): Ready {
  return {entries: [], committedEntries: [], readStates: [], messages: [], mustSync: true, ...parts}
}

async function reopen(dir: string, write: (store: RaftLogStore) => Promise<void>) {
  const {store} = RaftLogStore.open(dir, {segmentBytes: SEGMENT_BYTES})
  await write(store)
  await store.close()
  return RaftLogStore.open(dir, {segmentBytes: SEGMENT_BYTES})
}

describe('RaftLogStore: what a restarted replica reads back', () => {
  it('returns the entries and the last hard state it persisted', async () => {
    const {persisted, store} = await reopen(tempDir(), async (s) => {
      await s.persist(ready({entries: entries(1, 3, 1), hardState: {term: 1, vote: 'a', commit: 0}}))
      await s.persist(ready({entries: entries(4, 5, 1), hardState: {term: 1, vote: 'a', commit: 3}}))
    })
    expect(persisted.entries).toEqual(entries(1, 5, 1))
    expect(persisted.hardState).toEqual({term: 1, vote: 'a', commit: 3})
    await store.close()
  })

  it('lets a new leader overwrite an uncommitted suffix (entries written again from entries[0].index)', async () => {
    const {persisted, store} = await reopen(tempDir(), async (s) => {
      await s.persist(ready({entries: entries(1, 5, 1), hardState: {term: 1, vote: 'a', commit: 2}}))
      await s.persist(ready({entries: entries(3, 4, 2), hardState: {term: 2, vote: 'b', commit: 2}}))
    })
    expect(persisted.entries).toEqual([...entries(1, 2, 1), ...entries(3, 4, 2)])
    await store.close()
  })

  it('voids the old log when a snapshot from the leader is installed', async () => {
    const snapshot: Snapshot = {index: 10, term: 2, peers: ['a', 'b', 'c'], data: 'state@10'}
    const {persisted, store} = await reopen(tempDir(), async (s) => {
      await s.persist(ready({entries: entries(1, 12, 1), hardState: {term: 1, vote: 'a', commit: 2}}))
      await s.persist(ready({snapshot, hardState: {term: 2, vote: null, commit: 10}}))
      await s.persist(ready({entries: entries(11, 11, 2)}))
    })
    expect(persisted.snapshot).toEqual(snapshot)
    expect(persisted.entries).toEqual(entries(11, 11, 2))
    expect(store.stats().snapshotIndex).toBe(10)
    await store.close()
  })

  it('keeps only what the snapshot does not cover after its own compaction, and drops WAL segments', async () => {
    const dir = tempDir()
    const big = (from: number, to: number) => entries(from, to, 1).map((e) => ({...e, data: 'x'.repeat(1000)}))
    const {persisted, store} = await reopen(dir, async (s) => {
      for (let i = 1; i <= 40; i += 5) await s.persist(ready({entries: big(i, i + 4), hardState: {term: 1, vote: 'a', commit: i + 4}}))
      await s.saveSnapshot({index: 30, term: 1, peers: ['a'], data: 'state@30'})
      expect(s.stats().segmentsDropped).toBeGreaterThan(0)
    })
    expect(persisted.snapshot?.index).toBe(30)
    expect(persisted.entries.map((e) => e.index)).toEqual(Array.from({length: 10}, (_, i) => 31 + i))
    expect(persisted.hardState).toEqual({term: 1, vote: 'a', commit: 40})
    await store.close()
  })

  it('discards a log that does not continue a snapshot written just before a crash (log matching)', async () => {
    const dir = tempDir()
    const {store} = await reopen(dir, async (s) => {
      await s.persist(ready({entries: entries(1, 12, 1), hardState: {term: 1, vote: 'a', commit: 2}}))
    })
    await store.close()
    // The crash came after the installed snapshot's file and before its WAL record.
    writeSnapshotSync(join(dir, 'raft-snapshots'), 10, JSON.stringify({index: 10, term: 3, peers: ['a'], data: ''}))
    const reopened = RaftLogStore.open(dir, {segmentBytes: SEGMENT_BYTES})
    expect(reopened.persisted.snapshot?.index).toBe(10)
    expect(reopened.persisted.entries).toEqual([])
    await reopened.store.close()
  })
})
