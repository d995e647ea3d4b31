import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {KV_PROTOCOLS} from './protocols.js'
import {ReplicaTestCluster} from './replica-cluster.js'

/**
 * The leader is cut off from the other two replicas (dropped peer messages,
 * both ways) while writers run through the redirect-following client, then
 * the partition heals. The majority side elects a new leader; the isolated
 * one accepts nothing and serves no read; after the heal it follows; no
 * acknowledged write is lost.
 */
for (const {protocol, subsystem} of KV_PROTOCOLS) {
  describe(`${protocol} kv: the leader partitioned from the majority`, () => {
    let cluster: ReplicaTestCluster

    beforeAll(async () => {
      cluster = await ReplicaTestCluster.start({requestTimeoutMs: 1_000}, 3, subsystem)
    })
    afterAll(async () => {
      await cluster?.stop()
    })

    it('elects a new leader on the majority side, refuses writes and reads on the minority side, and loses no acknowledged write', async () => {
      const acknowledged = new Map<string, string>()
      let stopping = false
      const writers = Array.from({length: 4}, async (_, w) => {
        const session = cluster.client.session()
        for (let i = 0; !stopping; i++) {
          try {
            await session.put(`w${w}-${i}`, `v${w}-${i}`)
            acknowledged.set(`w${w}-${i}`, `v${w}-${i}`)
          } catch {
            // outcome unknown: not acknowledged, so not checked
          }
        }
      })
      await cluster.waitFor((h) => (h.appliedIndex as number) > 100, 'some writes to commit')

      // The leader as of now: on a loaded machine an election may have moved it since the writers started,
      // and a follower cut off while it still knows the leader answers 307, not 503, until its own election timeout.
      const isolated = await cluster.waitForLeader()
      const majority = cluster.names.filter((n) => n !== isolated)
      await cluster.partition([isolated])
      const newLeader = await cluster.waitForLeader(majority)
      const ackedAtPartition = acknowledged.size
      await cluster.waitFor(() => acknowledged.size > ackedAtPartition + 50, 'writes to resume on the majority side', [newLeader])

      // A value committed on the majority side, then asked of the isolated replica directly.
      const session = cluster.client.session()
      await session.put('fresh', 'after-partition')
      const write = await cluster.raw(isolated, 'PUT', '/kv/minority', JSON.stringify({value: 'x'}))
      const read = await cluster.raw(isolated, 'GET', '/kv/fresh')
      expect(write.status).toBe(503)
      expect(read.status).toBe(503)
      expect((await cluster.health(isolated))?.partitionedFrom).toEqual(majority)

      await cluster.heal()
      await cluster.waitFor((h) => h.role === 'follower' && h.leader === newLeader, 'the isolated replica to follow the new leader', [isolated])
      stopping = true
      await Promise.all(writers)

      expect(await session.get('fresh')).toBe('after-partition')
      expect(await session.get('minority')).toBeNull()
      const lost: string[] = []
      for (const [key, value] of acknowledged) if ((await session.get(key)) !== value) lost.push(key)
      expect(lost).toEqual([])
      expect(acknowledged.size).toBeGreaterThan(ackedAtPartition)
    })
  })
}
