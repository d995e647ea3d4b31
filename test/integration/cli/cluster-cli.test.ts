import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, test} from 'vitest'

import {runCli} from './run-cli.js'

const dataDir = mkdtempSync(join(tmpdir(), 'dsys-cli-'))
const dsys = (...args: string[]) => runCli([...args, '--data-dir', dataDir])

afterAll(async () => {
  await dsys('cluster', 'down', '--purge', '--grace', '1s')
  rmSync(dataDir, {recursive: true, force: true})
})

describe('dsys CLI on a lock cluster', () => {
  test('commands against a cluster that is not up fail with one clear line', async () => {
    for (const args of [['cluster', 'status'], ['cluster', 'down'], ['cluster', 'kill', 'lock-1'], ['bench', 'lock', '--duration', '1s'], ['cluster', 'partition', 'raft-1'], ['cluster', 'heal'], ['check', 'kv'], ['check', 'txn']]) {
      const r = await dsys(...args)
      expect(r.code, args.join(' ')).not.toBe(0)
      expect(r.stderr).toContain('no cluster is up')
    }
  })

  test('unknown flags and bad values are rejected before anything starts', async () => {
    const unknown = await dsys('cluster', 'up', '--bogus')
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toMatch(/Nonexistent flag: --bogus/)
    const badDuration = await dsys('bench', 'lock', '--duration', 'soon')
    expect(badDuration.code).not.toBe(0)
    expect(badDuration.stderr).toContain('invalid duration "soon"')
    const badFault = await dsys('check', 'kv', '--faults', 'partition,meteor')
    expect(badFault.code).not.toBe(0)
    expect(badFault.stderr).toContain('unknown fault "meteor"')
    for (const target of ['etcd', 'etcd://127.0.0.1:2379']) {
      // Refused as a usage error, not sent to start an etcd that check kv would refuse next.
      const etcd = await dsys('check', 'kv', '--target', target)
      expect(etcd.code, target).toBe(2)
      expect(etcd.stderr).toContain('check kv runs on dsys KV replicas')
    }
    // Faults need the local cluster's nodes as victims: a URL it does not run is a usage error (exit 2), not a failed check (1).
    const faultsElsewhere = await dsys('check', 'kv', '--target', 'http://127.0.0.1:1', '--faults', 'kill')
    expect(faultsElsewhere.code).toBe(2)
    expect(faultsElsewhere.stderr).toContain('--faults kill needs KV replicas the local cluster runs')
    const badClients = await dsys('bench', 'lock', '--clients', '0')
    expect(badClients.code).not.toBe(0)
    expect(badClients.stderr).toContain('--clients must be a positive integer')
  })

  test('up, status, a second up refused, bench, kill, restart, down', async () => {
    const up = await dsys('cluster', 'up', '--lock', '--json')
    expect(up.code, up.stderr).toBe(0)
    expect(JSON.parse(up.stdout).nodes.map((n: {name: string}) => n.name)).toEqual(['lock-1'])

    const again = await dsys('cluster', 'up')
    expect(again.code).not.toBe(0)
    expect(again.stderr).toContain('already up')

    const status = JSON.parse((await dsys('cluster', 'status', '--json')).stdout)
    expect(status.nodes[0]).toMatchObject({name: 'lock-1', kind: 'lock-server', alive: true, health: {kind: 'lock-server', id: 'lock-1'}})

    const bench = await dsys('bench', 'lock', '--clients', '4', '--duration', '1s', '--warmup', '0s', '--json')
    expect(bench.code, bench.stderr).toBe(0)
    const report = JSON.parse(bench.stdout)
    expect(report).toMatchObject({workload: 'lock', clients: 4, errors: 0, safety: {violations: 0}})
    expect(report.ops).toBeGreaterThan(0)
    expect(Object.keys(report.latencyMs)).toEqual(['p50', 'p90', 'p99', 'p999', 'max', 'mean'])

    for (const [args, message] of [
      [['cluster', 'partition', 'lock-1'], 'no peer traffic to partition'],
      [['check', 'kv', '--duration', '1s'], 'runs no raft-node'],
      [['check', 'txn', '--duration', '1s'], 'no 2PC nodes'],
    ] as const) {
      const r = await dsys(...args)
      expect(r.code, args.join(' ')).not.toBe(0)
      expect(r.stderr).toContain(message)
    }

    const missed = await dsys('bench', 'lock', '--clients', '2', '--duration', '500ms', '--warmup', '0s', '--threshold', 'p50<1us')
    expect(missed.code).toBe(1)
    expect(missed.stderr).toContain('thresholds failed: p50<1us')

    expect((await dsys('cluster', 'kill', 'lock-1')).code).toBe(0)
    const dead = JSON.parse((await dsys('cluster', 'status', '--json')).stdout)
    expect(dead.nodes[0].alive).toBe(false)
    const restart = await dsys('cluster', 'restart', 'lock-1', '--json')
    expect(restart.code, restart.stderr).toBe(0)
    expect(JSON.parse(restart.stdout).health.recoveredFrom.tokenLimit).toBeGreaterThan(0)

    const down = await dsys('cluster', 'down', '--json')
    expect(down.code).toBe(0)
    expect(JSON.parse(down.stdout).nodes).toEqual([{name: 'lock-1', result: 'stopped'}])
  })
})
