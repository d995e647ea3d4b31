import {readFileSync} from 'node:fs'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {KV_PROTOCOLS} from './protocols.js'
import {ReplicaTestCluster} from './replica-cluster.js'

const SNAPSHOT_ENTRIES = 50

for (const {protocol, subsystem} of KV_PROTOCOLS) {
  describe(`${protocol} kv: a follower that missed a compaction`, () => {
    let cluster: ReplicaTestCluster

    beforeAll(async () => {
      // Small snapshots and WAL segments, so a few hundred writes compact the log several times.
      cluster = await ReplicaTestCluster.start({snapshotEntries: SNAPSHOT_ENTRIES, walSegmentBytes: 4096}, 3, subsystem)
    })
    afterAll(async () => {
      await cluster?.stop()
    })

    it('catches up through a snapshot from the leader and then holds the same data', async () => {
      const leader = await cluster.waitForLeader()
      const follower = cluster.names.find((n) => n !== leader) as string
      const session = cluster.client.session()
      await session.put('before', 'down')
      cluster.kill(follower)

      const writers = Array.from({length: 4}, async (_, w) => {
        const s = cluster.client.session()
        for (let i = 0; i < 75; i++) await s.put(`k${w}-${i}`, `v${i}`)
      })
      await Promise.all(writers)
      const leaderHealth = (await cluster.health(leader))!
      // The entries the follower needs are gone from the leader's log.
      expect(leaderHealth.snapshotIndex as number).toBeGreaterThan(SNAPSHOT_ENTRIES)
      // Paxos keeps accepted values per slot, not a contiguous log: it has no firstIndex, and its dropped segments say the same.
      if (protocol === 'raft') expect(leaderHealth.firstIndex as number).toBeGreaterThan(3)
      expect((leaderHealth.counters as Record<string, number>).segmentsDropped).toBeGreaterThan(0)

      await cluster.restart(follower)
      await session.put('after', 'up')
      const target = (await cluster.health(leader))!.commitIndex as number
      await cluster.waitFor((h) => (h.appliedIndex as number) >= target, 'the follower to catch up', [follower])
      const caughtUp = (await cluster.health(follower))!
      expect(caughtUp.snapshotIndex as number).toBeGreaterThan(SNAPSHOT_ENTRIES)
      expect((caughtUp.counters as Record<string, number>).snapshotsWritten).toBeGreaterThan(0)
      expect(caughtUp.keys).toBe((await cluster.health(leader))!.keys)
      expect(caughtUp.keys).toBe(4 * 75 + 2)
      // Its state machine came from the leader's snapshot (ReadyLoop logs the install), not from replaying values.
      expect(readFileSync(cluster.nodes().find((n) => n.name === follower)!.logPath, 'utf8')).toContain('installed snapshot from a peer')
    })
  })
}
