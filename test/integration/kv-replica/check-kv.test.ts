import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {KvEvent} from '../../../src/core/check/kv-history.js'
import {KvCheckReport, runKvCheck} from '../../../src/check/kv-check.js'
import {checkKvHistory} from '../../../src/core/check/register-linearizability.js'
import type {Fault} from '../../../src/check/nemesis.js'
import {KV_PROTOCOLS} from './protocols.js'
import {ReplicaTestCluster} from './replica-cluster.js'

const [raft, paxos] = KV_PROTOCOLS
// Partition and kill -9 on both protocols; SIGSTOP pauses on Paxos too, so each fault kind is shown valid on it.
const RUNS = [
  {...raft, faults: ['partition', 'kill'] as Fault[], what: 'partitions and kill -9', started: /partition|kill/, ended: /heal|restart/},
  {...paxos, faults: ['partition', 'kill'] as Fault[], what: 'partitions and kill -9', started: /partition|kill/, ended: /heal|restart/},
  {...paxos, faults: ['pause'] as Fault[], what: 'SIGSTOP pauses', started: /pause/, ended: /resume/},
]

/** `dsys check kv` against real replicas, with a replica faulted every second. */
for (const {protocol, subsystem, faults, started, ended, what} of RUNS) {
  describe(`${protocol} kv: linearizability check under ${what}`, () => {
    let cluster: ReplicaTestCluster
    let dir: string | undefined
    let report: KvCheckReport

    beforeAll(async () => {
      // Made here, not in the describe body: a suite skipped by -t runs no afterAll to remove it.
      dir = mkdtempSync(join(tmpdir(), 'dsys-check-'))
      cluster = await ReplicaTestCluster.start({}, 3, subsystem)
      await cluster.waitForLeader()
      report = await runKvCheck({
        dataDir: cluster.dataDir,
        urls: Object.values(cluster.urls),
        nodes: cluster.nodes(),
        clients: 4,
        keys: 3,
        durationMs: 6_000,
        faults,
        faultIntervalMs: 1_000,
        seed: 1,
        opTimeoutMs: 2_000,
        historyPath: join(dir, 'history.jsonl'),
      })
    })
    afterAll(async () => {
      await cluster?.stop()
      if (dir !== undefined) rmSync(dir, {recursive: true, force: true})
    })

    it('records a history that is linearizable while faults come and go', () => {
      expect(report.result).toMatchObject({linearizable: true})
      expect(report.operations.ok).toBeGreaterThan(100)
      expect(report.faults.map((f) => f.action)).toEqual(expect.arrayContaining([expect.stringMatching(started), expect.stringMatching(ended)]))
    })

    it('finds the written history not linearizable once a stale read is added to it', () => {
      const history = readFileSync(report.history, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as KvEvent)
      expect(history).toHaveLength(report.operations.invoked + report.operations.ok + report.operations.fail + report.operations.info)
      const puts = history.filter((e) => e.f === 'put' && e.type === 'ok')
      const key = puts[0].key
      const first = puts.find((e) => e.key === key)!.value
      const last = puts.filter((e) => e.key === key).at(-1)!.value
      expect(last).not.toBe(first)
      // A reader that starts after everything else ended and sees the key's first value.
      const end = history.at(-1)!.time
      const stale: KvEvent[] = [
        {process: 999, type: 'invoke', f: 'get', key, value: null, time: end + 1},
        {process: 999, type: 'ok', f: 'get', key, value: first, time: end + 2},
      ]
      expect(checkKvHistory(history).linearizable).toBe(true)
      expect(checkKvHistory([...history, ...stale])).toMatchObject({linearizable: false, key})
    })
  })
}
