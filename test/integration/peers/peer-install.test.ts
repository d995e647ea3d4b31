import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, expect, test} from 'vitest'

const BIN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url))
const root = mkdtempSync(join(tmpdir(), 'dsys-peer-install-'))

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
