import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, expect, test} from 'vitest'

import {runCli} from './run-cli.js'

const dataDir = mkdtempSync(join(tmpdir(), 'dsys-ring-remove-'))
const dsys = (...args: string[]) => runCli([...args, '--data-dir', dataDir])

beforeAll(async () => {
  const up = await dsys('cluster', 'up', '--ring', '1')
  expect(up.code, up.stderr).toBe(0)
})

afterAll(async () => {
  await dsys('cluster', 'down', '--purge', '--grace', '1s')
  rmSync(dataDir, {recursive: true, force: true})
})

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
