import {expect, test} from 'vitest'

import {upTable} from '../../../src/commands/cluster/up.js'
import type {NodeRecord} from '../../../src/runtime/cluster/cluster-state.js'

test('the cluster up table fits 100 columns on the default cluster, however long the data directory', () => {
  const dataDir = '/home/someone/projects/distributed-systems/dsys/.dsys'
  const names = ['lock-1', 'raft-1', 'raft-2', 'raft-3', 'ring-router', 'ring-shard-1', 'ring-shard-2', 'ring-shard-3', 'txn-coordinator', 'txn-participant-1', 'txn-participant-2', 'txn-participant-3']
  const nodes: NodeRecord[] = names.map((name, i) => {
    const port = 40_000 + i
    const dataPath = `${dataDir}/${name}`
    return {name, kind: 'txn-participant', subsystem: 'txn', pid: 4_000_000 + i, host: '127.0.0.1', port, url: `http://127.0.0.1:${port}`, dataPath, configPath: `${dataPath}/node.json`, logPath: `${dataPath}/node.log`}
  })
  const table = upTable(nodes)
  expect(Math.max(...table.split('\n').map((line) => line.length))).toBeLessThanOrEqual(100)
  for (const n of nodes) expect(table).toContain(n.url)
})
