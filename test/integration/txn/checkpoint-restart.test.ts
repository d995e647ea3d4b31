import {readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {readClusterState} from '../../../src/runtime/cluster/cluster-state.js'
import {COORDINATOR, killNode, PARTICIPANTS, restartNode, TxnCluster} from './txn-cluster.js'

/** Small, so that a few thousand transactions make every node checkpoint several times. */
const CHECKPOINT_AFTER_BYTES = 32 * 1024
const WORKERS = 8
const TXNS_PER_WORKER = 250
const KEYS_PER_WORKER = 20

/** Bytes and file counts of a node's durable log: WAL segments and checkpoint files. */
function logFiles(dataPath: string): {walBytes: number; checkpoints: number} {
  const files = (dir: string) => readdirSync(join(dataPath, dir)).map((name) => statSync(join(dataPath, dir, name)).size)
  return {walBytes: files('wal').reduce((a, b) => a + b, 0), checkpoints: files('checkpoints').length}
}

describe('2PC checkpoints (real processes)', () => {
  let cluster: TxnCluster

  beforeAll(async () => {
    cluster = await TxnCluster.start({checkpointAfterBytes: CHECKPOINT_AFTER_BYTES})
  })

  afterAll(async () => {
    await cluster?.stop()
  })

  it('after many transactions and checkpoints, every node restarts with its committed data, the in-doubt transaction resolved, and a small log', async () => {
    // Each worker writes its own keys one transaction at a time, so the last committed value of every key is known.
    const expected = new Map<string, string>()
    await Promise.all(
      Array.from({length: WORKERS}, async (_, w) => {
        for (let j = 0; j < TXNS_PER_WORKER; j++) {
          const writes = [`w${w}-a${j % KEYS_PER_WORKER}`, `w${w}-b${j % KEYS_PER_WORKER}`].map((key) => ({key, value: `${w}.${j}`}))
          const answer = await cluster.txn(writes)
          if (answer?.outcome === 'committed') for (const {key, value} of writes) expected.set(key, value)
        }
      }),
    )
    expect(expected.size).toBeGreaterThan(0)
    await cluster.waitSettled()

    // A commit left in doubt: the coordinator dies after its COMMIT record and one commit message.
    await cluster.failpoint(COORDINATOR, 'coordinator.mid-commit')
    const doubtKeys = cluster.keysOnEveryParticipant('in-doubt')
    expect(await cluster.txn(doubtKeys.map((key) => ({key, value: 'decided'})))).toBeUndefined()
    await cluster.waitDead(COORDINATOR)
    const inDoubt = await Promise.all(PARTICIPANTS.map(async (p) => (await cluster.health(p)).inDoubtCount as number))
    expect(inDoubt.reduce((a, b) => a + b, 0), 'participants left in doubt by the crash').toBeGreaterThan(0)

    const before = new Map<string, {checkpoints: number; bytesWritten: number}>()
    for (const p of PARTICIPANTS) {
      const {log} = await cluster.health(p)
      before.set(p, {checkpoints: log.checkpoints, bytesWritten: log.bytesWritten})
      killNode(cluster.dataDir, p, 'KILL')
    }
    for (const node of [COORDINATOR, ...PARTICIPANTS]) await restartNode(cluster.dataDir, node, 1_000, 15_000)
    await cluster.waitSettled()

    for (const [key, value] of expected) expect(await cluster.read(key), key).toBe(value)
    for (const key of doubtKeys) expect(await cluster.read(key), `${key}: the in-doubt commit`).toBe('decided')
    expect((await cluster.health(COORDINATOR)).recovery.redriven).toBe(1)

    for (const node of readClusterState(cluster.dataDir)!.nodes) {
      const files = logFiles(node.dataPath)
      // What the log keeps: records since the last checkpoint (at most about CHECKPOINT_AFTER_BYTES) in segments of a quarter of it, and at most two checkpoints.
      expect(files.walBytes, `${node.name} WAL bytes`).toBeLessThan(2 * CHECKPOINT_AFTER_BYTES)
      expect(files.checkpoints, `${node.name} checkpoint files`).toBeLessThanOrEqual(2)
      const p = before.get(node.name)
      if (!p) continue
      expect(p.checkpoints, `${node.name} checkpointed`).toBeGreaterThan(2)
      expect(p.bytesWritten, `${node.name} wrote far more than it keeps`).toBeGreaterThan(4 * files.walBytes)
    }
  })
})
