import {expect, test} from 'vitest'

import {clusterForTests} from './cluster-fixture.js'

const {dsys} = clusterForTests(['--ring', '1'])

test('ring remove-node refuses a shard the ring does not have before it prints or changes anything', async () => {
  const r = await dsys('ring', 'remove-node', 'nosuch')
  expect(r.code).toBe(2)
  expect(r.stderr).toBe('dsys: error: no shard named "nosuch" in the ring; shards: ring-shard-1\n')
})

test("ring remove-node refuses the ring's last shard before it prints or changes anything", async () => {
  const r = await dsys('ring', 'remove-node', 'ring-shard-1')
  expect(r.code).toBe(2)
  expect(r.stderr).not.toContain('draining')
  expect(r.stderr).toContain("ring-shard-1 is the ring's only shard")
  const status = JSON.parse((await dsys('cluster', 'status', '--json')).stdout) as {nodes: Array<{name: string; alive: boolean}>}
  expect(status.nodes.find((n) => n.name === 'ring-shard-1')?.alive).toBe(true)
})
