import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, expect, test} from 'vitest'

import {resolveLockTarget} from '../../../src/cli/lock-targets.js'
import {UsageError} from '../../../src/core/common/usage-error.js'
import {writeClusterState, type NodeRecord} from '../../../src/runtime/cluster/cluster-state.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

/** A cluster.json with these nodes (name, kind, port); nothing runs: resolution reads the state, only the preflight would connect. */
function cluster(nodes: Array<[string, string, number]>): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'dsys-lock-targets-'))
  dirs.push(dataDir)
  const url = (kind: string, port: number): string => ({zookeeper: `127.0.0.1:${port}`, redis: `redis://127.0.0.1:${port}`})[kind] ?? `http://127.0.0.1:${port}`
  const records: NodeRecord[] = nodes.map(([name, kind, port]) => ({name, kind, subsystem: kind, pid: 0, host: '127.0.0.1', port, url: url(kind, port), dataPath: join(dataDir, name), configPath: '', logPath: ''}))
  writeClusterState({version: 1, dataDir, startedAt: '', nodes: records})
  return dataDir
}

const resolve = (target: string | undefined, dataDir: string) => {
  const {backend, nodes} = resolveLockTarget(target, {dataDir, clients: 2, retryDelayMs: 1})
  return {recipe: backend.recipe, nodes}
}

test('each cluster name resolves to the backend of its kind over every node of it, and names those nodes', () => {
  const dataDir = cluster([
    ['lock-replica-1', 'lock-replica', 7001],
    ['lock-replica-2', 'lock-replica', 7002],
    ['etcd-1', 'etcd', 7101],
    ['etcd-2', 'etcd', 7104],
    ['zookeeper-1', 'zookeeper', 7201],
    ['redis-2', 'redis', 7302],
    ['redis-1', 'redis', 7301],
    ['redis-3', 'redis', 7303],
  ])
  expect(resolve('lock-replica', dataDir)).toEqual({recipe: {kind: 'dsys', url: 'http://127.0.0.1:7001,127.0.0.1:7002'}, nodes: ['lock-replica-1', 'lock-replica-2']})
  expect(resolve('etcd', dataDir)).toEqual({recipe: {kind: 'etcd', target: 'etcd://127.0.0.1:7101,127.0.0.1:7104'}, nodes: ['etcd-1', 'etcd-2']})
  expect(resolve('zookeeper', dataDir)).toEqual({recipe: {kind: 'zookeeper', target: 'zk://127.0.0.1:7201'}, nodes: ['zookeeper-1']})
  expect(resolve('redis', dataDir)).toEqual({recipe: {kind: 'redis', url: 'redis://127.0.0.1:7301', retryDelayMs: 1}, nodes: ['redis-1']})
  expect(resolve('redlock', dataDir)).toEqual({
    recipe: {kind: 'redlock', target: 'redlock://127.0.0.1:7301,127.0.0.1:7302,127.0.0.1:7303', retryDelayMs: 1},
    nodes: ['redis-1', 'redis-2', 'redis-3'],
  })
})

test('a URL resolves by its scheme, naming the cluster nodes it points at', () => {
  const dataDir = cluster([
    ['etcd-1', 'etcd', 7101],
    ['redis-1', 'redis', 7301],
  ])
  expect(resolve('etcd://127.0.0.1:7101,10.0.0.9:2379', dataDir)).toEqual({recipe: {kind: 'etcd', target: 'etcd://127.0.0.1:7101,10.0.0.9:2379'}, nodes: ['etcd-1']})
  expect(resolve('redis://127.0.0.1:7301', dataDir).nodes).toEqual(['redis-1'])
  expect(resolve('http://10.0.0.9:7000', dataDir)).toEqual({recipe: {kind: 'dsys', url: 'http://10.0.0.9:7000'}, nodes: []})
  expect(resolve('zk://10.0.0.9:2181', dataDir).recipe).toEqual({kind: 'zookeeper', target: 'zk://10.0.0.9:2181'})
})

test('what the cluster does not run is an error naming the cluster up flag that starts it', () => {
  const dataDir = cluster([
    ['redis-1', 'redis', 7301],
    ['redis-2', 'redis', 7302],
  ])
  expect(() => resolve('etcd', dataDir)).toThrow(`the cluster in ${dataDir} runs no etcd; start it with: dsys cluster up --etcd 3`)
  expect(() => resolve('redlock', dataDir)).toThrow(/redlock needs 3 independent Redis servers and the cluster .* runs 2; start them with: dsys cluster up --redis 3/)
  expect(() => resolve(undefined, dataDir)).toThrow(/has no lock-server/)
})

test('a target that is neither a known URL form nor a cluster name is a usage error', () => {
  const dataDir = cluster([])
  for (const bad of ['consul', 'mysql://127.0.0.1:3306', 'etcd://127.0.0.1', 'zk://', 'redlock://a:1,b']) expect(() => resolve(bad, dataDir), bad).toThrow(UsageError)
})
