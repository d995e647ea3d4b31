import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, test} from 'vitest'

import type {LockBackend} from '../../../src/bench/lock/lock-backend.js'
import {faultsProblem, lockCheckTarget} from '../../../src/check/lock-check.js'
import {NodeRecord, writeClusterState} from '../../../src/runtime/cluster/cluster-state.js'

const dataDir = mkdtempSync(join(tmpdir(), 'dsys-lock-target-'))
afterAll(() => rmSync(dataDir, {recursive: true, force: true}))

const node = (name: string, subsystem: string, port: number): NodeRecord => ({name, kind: subsystem, subsystem, pid: 1, host: '127.0.0.1', port, url: `http://127.0.0.1:${port}`, dataPath: '', configPath: '', logPath: ''})
writeClusterState({
  version: 1,
  dataDir,
  startedAt: '',
  nodes: [node('lock-replica-1', 'lock-replica', 1), node('lock-replica-2', 'lock-replica', 2), node('lock-replica-3', 'lock-replica', 3), node('redis-1', 'redis', 4), node('redis-2', 'redis', 5)],
})
const backend = {target: 'x'} as LockBackend
const names = (names: string[]) => lockCheckTarget(backend, names, dataDir).nodes.map((n) => n.name)

describe('lockCheckTarget: the nodes a server fault may hit', () => {
  test('one lock replica named: every replica, since any of them may lead', () => {
    expect(names(['lock-replica-2'])).toEqual(['lock-replica-1', 'lock-replica-2', 'lock-replica-3'])
  })

  test('a Redis server named: that server only (the other servers are no part of its lock)', () => {
    expect(names(['redis-1'])).toEqual(['redis-1'])
  })

  test('a target the cluster does not run: no victims, and no cluster needed', () => {
    expect(lockCheckTarget(backend, [], join(dataDir, 'absent')).nodes).toEqual([])
  })
})

describe('faultsProblem', () => {
  test('server faults need nodes of the local cluster; client pauses do not', () => {
    expect(faultsProblem({backend, nodes: []}, ['kill', 'client-pause'])).toMatch(/^--faults kill needs a target the local cluster runs/)
    expect(faultsProblem({backend, nodes: []}, ['client-pause'])).toBeUndefined()
  })

  test('a partition needs nodes dsys can cut off from each other', () => {
    expect(faultsProblem(lockCheckTarget(backend, ['redis-1'], dataDir), ['partition'])).toMatch(/the redis nodes cannot be partitioned by dsys/)
  })
})
