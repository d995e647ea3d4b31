import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, expect, test} from 'vitest'

import {etcdPeer} from '../../../src/runtime/cluster/peers/etcd.js'
import {zookeeperPeer} from '../../../src/runtime/cluster/peers/zookeeper.js'
import {holdBusyPort} from '../../support/busy-port.js'
import {runCli} from '../cli/run-cli.js'

const BIN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url))
const root = mkdtempSync(join(tmpdir(), 'dsys-peer-install-'))

const busyPort = holdBusyPort()

afterAll(() => rmSync(root, {recursive: true, force: true}))

/** `dsys cluster up` on a machine where nothing is on PATH: etcd, java and redis-server are all missing. */
function upWithoutPath(args: string[], dataDir: string): Promise<{code: number; stderr: string}> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'cluster', 'up', ...args, '--data-dir', dataDir], {env: {...process.env, PATH: join(root, 'empty'), NO_COLOR: '1'}}, (err, _stdout, stderr) => {
      resolve({code: err ? Number(err.code) : 0, stderr})
    })
  })
}

test.each([
  ['--etcd', 'no etcd on PATH', 'etcd-server'],
  ['--zookeeper', 'no java on PATH', 'zookeeperd'],
  ['--redis', 'no redis-server on PATH', 'redis-server'],
])('cluster up %s 3 without the server installed fails before starting anything, naming the Debian package', async (flag, what, debianPackage) => {
  const dataDir = join(root, flag.slice(2))
  // With the lock server too: nothing at all may start.
  const up = await upWithoutPath(['--lock', flag, '3'], dataDir)
  expect(up.code).toBe(1)
  expect(up.stderr.trim()).toBe(`dsys: error: cannot start ${flag.slice(2)}: ${what}; install the Debian package ${debianPackage} (apt-get install ${debianPackage})`)
  expect(existsSync(dataDir)).toBe(false)
})

test.skipIf(etcdPeer.missing() !== undefined)('an etcd member that cannot start is named with the error it logged (zap JSON, level fatal)', async () => {
  const dataDir = join(root, 'busy')
  // The member's client port is the base port, its peer port the next one: busy.
  const up = await runCli(['cluster', 'up', '--etcd', '1', '--base-port', String(busyPort() - 1), '--data-dir', dataDir])
  expect(up.code).toBe(1)
  expect(up.stderr.trim()).toBe(
    `dsys: error: node etcd-1 (etcd) exited before it became healthy: listen tcp 127.0.0.1:${busyPort()}: bind: address already in use. The cluster is not up: every node started was stopped and what this command created was removed`,
  )
  expect(existsSync(dataDir)).toBe(false)
})

test.skipIf(zookeeperPeer.missing() !== undefined)('a ZooKeeper server that cannot start is named with the Java exception it logged, not its last line', async () => {
  const dataDir = join(root, 'busy-zookeeper')
  const up = await runCli(['cluster', 'up', '--zookeeper', '1', '--base-port', String(busyPort()), '--data-dir', dataDir])
  expect(up.code).toBe(1)
  expect(up.stderr).toContain('node zookeeper-1 (zookeeper) exited before it became healthy: java.net.BindException: Address already in use.')
  expect(existsSync(dataDir)).toBe(false)
})
