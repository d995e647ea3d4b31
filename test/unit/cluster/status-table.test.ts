import {expect, test} from 'vitest'

import {mainHealth, statusTable, wideTable} from '../../../src/commands/cluster/status.js'
import type {NodeStatus} from '../../../src/runtime/cluster/supervisor.js'

/** The default cluster as `cluster status` saw it: every kind of node, with the health each reports. */
const health: Record<string, Record<string, unknown>> = {
  'lock-server': {locks: 0, held: 0, waiting: 0, lastToken: 15000, tokenLimit: 25000, leaseHorizonMs: 1796401909414, recovering: false, recoveringUntilMs: 1796401907412},
  'raft-node': {role: 'follower', term: 12, leader: 'raft-2', leaderUrl: 'http://127.0.0.1:43411', commitIndex: 123456, appliedIndex: 123456, firstIndex: 1, lastIndex: 123456, logSize: 123456, snapshotIndex: 0, keys: 1000, partitionDropped: 0},
  'ring-router': {algorithm: 'ring'},
  'ring-shard': {keys: 312, appliedIndex: 0, compactions: 0},
  'txn-coordinator': {activeTxns: 0, bootId: '2f7e2f98244f', partitionDropped: 0},
  'txn-participant': {inDoubtCount: 0, lockedKeys: 0, keys: 296, partitionDropped: 0},
}
const kinds: Array<[string, string]> = [
  ['lock-1', 'lock-server'],
  ...[1, 2, 3].map((i): [string, string] => [`raft-${i}`, 'raft-node']),
  ['ring-router', 'ring-router'],
  ...[1, 2, 3].map((i): [string, string] => [`ring-shard-${i}`, 'ring-shard']),
  ['txn-coordinator', 'txn-coordinator'],
  ...[1, 2, 3].map((i): [string, string] => [`txn-participant-${i}`, 'txn-participant']),
]
const nodes: NodeStatus[] = kinds.map(([name, kind], i) => ({
  name,
  kind,
  subsystem: kind.split('-')[0],
  pid: 4_000_000 + i,
  alive: true,
  url: `http://127.0.0.1:${40000 + i}`,
  dataPath: `/home/someone/projects/dsys/.dsys/${name}`,
  health: {kind, id: name, pid: 4_000_000 + i, ...health[kind]},
}))
const widest = (table: string): number => Math.max(...table.split('\n').map((line) => line.length))

test('cluster status fits 100 columns on the default cluster', () => {
  const table = statusTable(nodes)
  expect(widest(table)).toBeLessThanOrEqual(100)
  for (const n of nodes) expect(table).toContain(n.url)
  for (const field of ['role=follower', 'term=12', 'leader=raft-2', 'commitIndex=123456', 'inDoubtCount=0']) expect(table).toContain(field)
  expect(table).not.toContain('leaseHorizonMs')
})

test('cluster status --wide shows the kind, the data directory and every health field', () => {
  const table = wideTable(nodes)
  expect(table).toContain('txn-participant')
  expect(table).toContain('/home/someone/projects/dsys/.dsys/lock-1')
  expect(table).toContain('leaseHorizonMs=1796401909414')
})

test('the short health keeps what is unusual: a node recovering or cut off by a partition', () => {
  expect(mainHealth('raft-node', {role: 'leader', term: 3, leader: 'raft-1', commitIndex: 9, partitionDropped: 17})).toBe('role=leader term=3 leader=raft-1 commitIndex=9 partitionDropped=17')
  expect(mainHealth('lock-server', {held: 1, waiting: 0, lastToken: 5, recovering: true})).toBe('held=1 waiting=0 lastToken=5 recovering=true')
  expect(mainHealth('lock-server', null)).toBe('-')
})

test('a node whose process runs but does not answer says so in the alive column', () => {
  expect(statusTable([{...nodes[0], health: null}])).toContain('no answer')
})
