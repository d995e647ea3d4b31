import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, test} from 'vitest'

import {pickVictim} from '../../../src/check/nemesis.js'
import {SeededRng} from '../../../src/core/common/rng.js'
import {requireClusterState, type NodeRecord} from '../../../src/runtime/cluster/cluster-state.js'
import {probeHealth, waitHealthy} from '../../../src/runtime/cluster/health.js'
import {PEER_KINDS} from '../../../src/runtime/cluster/peers/peers.js'
import {isNodeAlive, processesStartedWith} from '../../../src/runtime/cluster/processes.js'
import {killNode, restartNode} from '../../../src/runtime/cluster/supervisor.js'
import {waitUntilStopped} from '../../support/stopped-process.js'
import {clusterForTests} from '../cli/cluster-fixture.js'
import {etcdGet, etcdPut, redisGet, redisSet, zkCreate, zkGet} from './peer-data.js'

const missing = PEER_KINDS.flatMap((p) => {
  const what = p.missing()
  return what ? [`${p.kind}: ${what} (Debian package ${p.debianPackage}; .ci/run installs it)`] : []
})
if (missing.length > 0) console.warn(`skipping the peer cluster tests: ${missing.join('; ')}`)

describe.skipIf(missing.length > 0)('etcd, ZooKeeper and Redis as supervised nodes of a dsys cluster', () => {
  // One cluster for the file: three JVMs take most of its start.
  const {dataDir, dsys} = clusterForTests(['--etcd', '3', '--zookeeper', '3', '--redis', '3'])
  const members = (subsystem: string): NodeRecord[] => requireClusterState(dataDir).nodes.filter((n) => n.subsystem === subsystem)

  /** kill -9 every member at once, then restart them together (a quorum member waits for the others to be healthy). */
  async function crashAndRestart(subsystem: string): Promise<void> {
    const names = members(subsystem).map((n) => n.name)
    for (const name of names) killNode(dataDir, name, 'KILL')
    await Promise.all(names.map((name) => restartNode(dataDir, name, 1_000, 30_000)))
  }

  test('every member comes up serving, in its own directory, and etcd and ZooKeeper each elect one leader', async () => {
    const status = await dsys('cluster', 'status', '--json')
    expect(status.code, status.stderr).toBe(0)
    const nodes = JSON.parse(status.stdout).nodes as Array<{name: string; kind: string; alive: boolean; url: string; dataPath: string; health: Record<string, unknown> | null}>
    expect(nodes.map((n) => n.name)).toEqual(['etcd-1', 'etcd-2', 'etcd-3', 'zookeeper-1', 'zookeeper-2', 'zookeeper-3', 'redis-1', 'redis-2', 'redis-3'])
    for (const n of nodes) {
      expect(n, n.name).toMatchObject({alive: true, dataPath: join(dataDir, n.name)})
      expect(n.health, n.name).not.toBeNull()
      expect(existsSync(join(n.dataPath, 'node.log')), n.name).toBe(true)
    }
    expect(nodes.filter((n) => n.health?.role === 'leader').map((n) => n.kind)).toEqual(['etcd', 'zookeeper'])
    expect(nodes.find((n) => n.name === 'zookeeper-1')!.url).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(nodes.find((n) => n.name === 'redis-1')!.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
    expect(nodes.find((n) => n.name === 'etcd-1')!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  test.each(['etcd', 'zookeeper'])('the nemesis aimed at the leader (--victim leader) picks %s\'s leader, as its own health probe names it', async (subsystem) => {
    const nodes = members(subsystem)
    const roles = await Promise.all(nodes.map((n) => probeHealth(n, 2_000)))
    const leader = nodes[roles.findIndex((h) => h?.role === 'leader')].name
    // Several seeds: a pick that ignored the role would be the leader each time only by a 1-in-243 chance.
    const picks = await Promise.all([1, 2, 3, 4, 5].map((seed) => pickVictim(nodes, 'leader', new SeededRng(seed))))
    expect(picks).toEqual([leader, leader, leader, leader, leader])
  })

  test('a Redis server killed with -9 and restarted (cluster kill, cluster restart) keeps every write it acknowledged', async () => {
    const [redis] = members('redis')
    await redisSet(redis, 'before-crash', 'kept')
    expect((await dsys('cluster', 'kill', 'redis-1')).code).toBe(0)
    const restart = await dsys('cluster', 'restart', 'redis-1')
    expect(restart.code, restart.stderr).toBe(0)
    const [restarted] = members('redis')
    expect(restarted.pid).not.toBe(redis.pid)
    expect(restarted.port).toBe(redis.port)
    expect(await redisGet(restarted, 'before-crash')).toBe('kept')
  })

  test('the whole etcd cluster killed with -9 and restarted keeps an acknowledged put', async () => {
    await etcdPut(members('etcd')[0], 'before-crash', 'kept')
    await crashAndRestart('etcd')
    expect(members('etcd').every((n) => isNodeAlive(n.pid, n.configPath))).toBe(true)
    expect(await etcdGet(members('etcd')[1], 'before-crash')).toBe('kept')
  })

  test('the whole ZooKeeper ensemble killed with -9 and restarted keeps an acknowledged create', async () => {
    await zkCreate(members('zookeeper'), '/before-crash', 'kept')
    await crashAndRestart('zookeeper')
    expect(members('zookeeper').every((n) => isNodeAlive(n.pid, n.configPath))).toBe(true)
    expect(await zkGet(members('zookeeper'), '/before-crash')).toBe('kept')
  })

  test('SIGSTOP pauses a member without killing it (it stops answering) and SIGCONT resumes it', async () => {
    const node = killNode(dataDir, 'zookeeper-1', 'STOP')
    try {
      await waitUntilStopped(node.pid)
      expect(isNodeAlive(node.pid, node.configPath)).toBe(true)
      expect(await probeHealth(node, 500)).toBeUndefined()
      // The rest of the ensemble still serves.
      expect(await probeHealth(members('zookeeper')[1], 2_000)).toBeDefined()
    } finally {
      killNode(dataDir, 'zookeeper-1', 'CONT')
    }
    expect(await waitHealthy(node, 30_000)).toMatchObject({kind: 'zookeeper', id: 'zookeeper-1'})
  })

  test('cluster down --purge stops every peer process and removes every data directory', async () => {
    const down = await dsys('cluster', 'down', '--purge', '--grace', '2s')
    expect(down.code, down.stderr).toBe(0)
    expect(processesStartedWith([dataDir]).get(dataDir)).toEqual([])
    expect(readdirSync(dataDir)).toEqual([])
  })
})
