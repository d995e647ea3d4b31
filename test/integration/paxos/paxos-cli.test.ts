import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {CLUSTER_FILE, requireClusterState} from '../../../src/runtime/cluster/cluster-state.js'
import {fetchHealth} from '../../../src/runtime/cluster/health.js'
import {RaftKvClient} from '../../../src/runtime/clients/raft-kv-client.js'
import {clusterForTests} from '../cli/cluster-fixture.js'
import {runCli} from '../cli/run-cli.js'

describe('dsys cluster up --paxos with Flexible Paxos quorums', () => {
  it('refuses --paxos 3 --q1 1 --q2 1 with exit 2 and the intersection rule, starting nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dsys-paxos-q-'))
    try {
      const up = await runCli(['cluster', 'up', '--paxos', '3', '--q1', '1', '--q2', '1', '--data-dir', dataDir])
      expect(up.code).toBe(2)
      expect(up.stderr).toContain('quorums do not intersect: q1 + q2 = 2 must exceed n = 3')
      expect(existsSync(join(dataDir, CLUSTER_FILE))).toBe(false)
    } finally {
      rmSync(dataDir, {recursive: true, force: true})
    }
  })

  describe('--paxos 5 --q1 4 --q2 2', () => {
    const {dataDir, dsys} = clusterForTests(['--paxos', '5', '--q1', '4', '--q2', '2'])

    it('starts five replicas that show the quorums in /health settings and serve writes', async () => {
      const urls = requireClusterState(dataDir).nodes.map((n) => n.url)
      expect(urls).toHaveLength(5)
      for (const url of urls) expect((await fetchHealth(url))?.settings).toMatchObject({q1: 4, q2: 2})
      const client = new RaftKvClient(urls, {opTimeoutMs: 10_000})
      try {
        const session = client.session()
        await session.put('flexible', 'written')
        expect(await session.get('flexible')).toBe('written')
      } finally {
        await client.close()
      }
    })

    it('runs bench kv --target paxos end to end: operations measured, none failed', async () => {
      const bench = await dsys('bench', 'kv', '--target', 'paxos', '--clients', '4', '--warmup', '100ms', '--duration', '300ms', '--json')
      expect(bench.code, bench.stderr).toBe(0)
      const report = JSON.parse(bench.stdout) as {target: string; ops: number; errors: number}
      expect(report).toMatchObject({target: 'dsys paxos', errors: 0})
      expect(report.ops).toBeGreaterThan(0)
    })
  })
})
