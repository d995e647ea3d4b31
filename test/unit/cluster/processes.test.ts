import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, expect, test} from 'vitest'

import {isNodeAlive, processesStartedWith} from '../../../src/runtime/cluster/processes.js'

const root = mkdtempSync(join(tmpdir(), 'dsys-processes-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))

/** A /proc look-alike: pid → command line (undefined: the process ended between the listing and the read). */
function fakeProc(processes: Record<string, string[] | undefined>): string {
  const dir = mkdtempSync(join(root, 'proc-'))
  for (const [pid, args] of Object.entries(processes)) {
    mkdirSync(join(dir, pid))
    if (args) writeFileSync(join(dir, pid, 'cmdline'), args.map((a) => `${a}\0`).join(''))
  }
  return dir
}

test('processesStartedWith finds, in one scan, the processes naming each path, and no other', () => {
  const a = '/data/lock-1/node.json'
  const b = '/data/raft-1/node.json'
  const proc = fakeProc({
    '10': ['node', 'dist/src/nodes/lock-server/main.js', a],
    '11': ['node', 'dist/src/nodes/raft-node/main.js', b],
    '12': ['node', 'dist/src/nodes/raft-node/main.js', b],
    '13': ['/sbin/init'], // another user's process: no longer counted as a match (kill(0) said EPERM: "alive")
    '14': [], // a zombie
    '15': undefined, // gone since the listing
    [String(process.pid)]: ['node', 'dsys', a], // this process, whose arguments may name the path
    self: ['node', a],
  })
  expect(processesStartedWith([a, b, '/data/ring-1/node.json'], proc)).toEqual(
    new Map([
      [a, [10]],
      [b, [11, 12]],
      ['/data/ring-1/node.json', []],
    ]),
  )
})

test('processesStartedWith finds nothing where there is no /proc', () => {
  expect(processesStartedWith(['/data/lock-1/node.json'], join(root, 'no-proc'))).toEqual(new Map([['/data/lock-1/node.json', []]]))
})

test('a running process is found by the path on its command line and is alive until it exits', async () => {
  const configPath = join(root, 'lock-1', 'node.json')
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', configPath], {stdio: 'ignore'})
  await once(child, 'spawn')
  try {
    expect(processesStartedWith([configPath]).get(configPath)).toEqual([child.pid])
    expect(isNodeAlive(child.pid!, configPath)).toBe(true)
    expect(isNodeAlive(child.pid!, join(root, 'raft-1', 'node.json'))).toBe(false)
  } finally {
    child.kill('SIGKILL')
    await once(child, 'exit')
  }
  expect(isNodeAlive(child.pid!, configPath)).toBe(false)
  expect(processesStartedWith([configPath]).get(configPath)).toEqual([])
})
