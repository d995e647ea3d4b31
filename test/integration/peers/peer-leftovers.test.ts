import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, expect, test} from 'vitest'

import {CLUSTER_FILE, requireClusterState, writeClusterState} from '../../../src/runtime/cluster/cluster-state.js'
import {processesStartedWith} from '../../../src/runtime/cluster/processes.js'
import {redisPeer} from '../../../src/runtime/cluster/peers/redis.js'
import {runCli} from '../cli/run-cli.js'

const dataDir = mkdtempSync(join(tmpdir(), 'dsys-peer-leftovers-'))
const dsys = (...args: string[]) => runCli([...args, '--data-dir', dataDir])

afterAll(async () => {
  await dsys('cluster', 'down', '--purge', '--grace', '1s')
  rmSync(dataDir, {recursive: true, force: true})
})

const missing = redisPeer.missing()
if (missing) console.warn(`skipping the peer leftovers test: ${missing} (Debian package redis-server; .ci/run installs it)`)

test.skipIf(missing !== undefined)('cluster down --purge without a cluster.json stops the peer processes a cluster left and removes their data', async () => {
  const up = await dsys('cluster', 'up', '--redis', '2')
  expect(up.code, up.stderr).toBe(0)
  // The state is lost, the servers still run: only their directories name them.
  rmSync(join(dataDir, CLUSTER_FILE))
  expect(processesStartedWith([dataDir]).get(dataDir)).toHaveLength(2)
  const down = await dsys('cluster', 'down', '--purge', '--grace', '1s')
  expect(down.code, down.stderr).toBe(0)
  expect(down.stdout).toContain('redis-1: stopped (no cluster.json listed it); data removed')
  expect(processesStartedWith([dataDir]).get(dataDir)).toEqual([])
  expect(existsSync(join(dataDir, 'redis-1'))).toBe(false)
})

test.skipIf(missing !== undefined)('cluster down also stops a peer process cluster.json does not list (a restart interrupted before it wrote the new pid)', async () => {
  const up = await dsys('cluster', 'up', '--redis', '1')
  expect(up.code, up.stderr).toBe(0)
  const state = requireClusterState(dataDir)
  state.nodes[0].pid = process.pid // a pid that is some other process's now (this test's)
  writeClusterState(state)
  const down = await dsys('cluster', 'down', '--purge', '--grace', '1s')
  expect(down.code, down.stderr).toBe(0)
  expect(down.stdout).toContain('redis-1: not-running; also stopped (no cluster.json listed it)')
  expect(processesStartedWith([dataDir]).get(dataDir)).toEqual([])
})
