import {mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, expect, test} from 'vitest'

import {processesStartedWith} from '../../../src/runtime/cluster/processes.js'
import {holdBusyPort} from '../../support/busy-port.js'
import {runCli} from './run-cli.js'

const root = mkdtempSync(join(tmpdir(), 'dsys-up-cleanup-'))
const busyPort = holdBusyPort()

afterAll(async () => {
  for (const dir of readdirSync(root)) await runCli(['cluster', 'down', '--purge', '--grace', '1s', '--data-dir', join(root, dir)])
  rmSync(root, {recursive: true, force: true})
})

test('a cluster up that fails on a busy port stops what it started and leaves nothing behind', async () => {
  const dataDir = join(root, 'busy')
  // The lock server takes the base port, the ring router the next (busy), the shard the one after.
  const up = await runCli(['cluster', 'up', '--lock', '--ring', '1', '--base-port', String(busyPort() - 1), '--timeout', '10s', '--data-dir', dataDir])
  expect(up.code).toBe(1)
  expect(up.stderr).toContain('EADDRINUSE')
  expect(up.stderr).toContain('The cluster is not up')
  expect(() => readdirSync(dataDir)).toThrow(/ENOENT/)
  // Every node's config lies under dataDir, so no process may name it on its command line.
  expect(processesStartedWith([dataDir]).get(dataDir)).toEqual([])
  const down = await runCli(['cluster', 'down', '--purge', '--data-dir', dataDir])
  expect(down.code).toBe(0)
  expect(down.stdout).toContain('nothing to do')
})

test('cluster down --purge removes the node directories a failed cluster up left, without a cluster.json', async () => {
  const dataDir = join(root, 'leftovers')
  for (const name of ['lock-1', 'raft-1']) {
    mkdirSync(join(dataDir, name), {recursive: true})
    writeFileSync(join(dataDir, name, 'node.json'), '{}\n')
  }
  mkdirSync(join(dataDir, 'check'))
  const down = await runCli(['cluster', 'down', '--purge', '--data-dir', dataDir])
  expect(down.code).toBe(0)
  expect(down.stdout).toContain('lock-1: not running; data removed')
  expect(readdirSync(dataDir)).toEqual(['check'])
})
