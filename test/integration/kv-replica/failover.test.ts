import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {KV_PROTOCOLS} from './protocols.js'
import {ReplicaTestCluster} from './replica-cluster.js'

/**
 * Concurrent writers and readers while the leader is killed with SIGKILL:
 * a new leader takes over, every acknowledged write survives, and no read
 * that began after a write was acknowledged returns an older value.
 */
for (const {protocol, subsystem} of KV_PROTOCOLS) {
  describe(`${protocol} kv: kill -9 of the leader under load`, () => {
    let cluster: ReplicaTestCluster

    beforeAll(async () => {
      cluster = await ReplicaTestCluster.start({}, 3, subsystem)
    })
    afterAll(async () => {
      await cluster?.stop()
    })

    it('elects a new leader, keeps every acknowledged write, and never serves a stale read', async () => {
      const oldLeader = await cluster.waitForLeader()
      const acknowledged = new Map<string, string>()
      let stopping = false
      // Writer w writes its own fresh keys, so each acknowledged key has exactly one possible value.
      const writers = Array.from({length: 6}, async (_, w) => {
        const session = cluster.client.session()
        for (let i = 0; !stopping; i++) {
          const key = `w${w}-${i}`
          try {
            await session.put(key, `v${w}-${i}`)
            acknowledged.set(key, `v${w}-${i}`)
          } catch {
            // outcome unknown: not acknowledged, so not checked
          }
        }
      })
      // One register written with increasing numbers; readers check they never go back.
      let lastAcked = 0
      const staleReads: string[] = []
      let reads = 0
      const counter = (async () => {
        const session = cluster.client.session()
        for (let n = 1; !stopping; n++) {
          try {
            await session.put('register', String(n))
            lastAcked = Math.max(lastAcked, n)
          } catch {
            // unknown outcome; a later acknowledged write raises lastAcked
          }
        }
      })()
      const readers = Array.from({length: 3}, async () => {
        const session = cluster.client.session()
        while (!stopping) {
          const floor = lastAcked
          try {
            const value = Number((await session.get('register')) ?? 0)
            reads++
            if (value < floor) staleReads.push(`read ${value} after ${floor} was acknowledged`)
          } catch {
            // a failed read returns nothing, so it cannot be stale
          }
        }
      })

      await cluster.waitFor((h) => (h.appliedIndex as number) > 200, 'some writes to commit', [oldLeader])
      cluster.kill(oldLeader)
      const survivors = cluster.names.filter((n) => n !== oldLeader)
      const newLeader = await cluster.waitForLeader(survivors)
      const ackedAtFailover = acknowledged.size
      await cluster.waitFor((h) => h.role === 'leader' && (h.appliedIndex as number) > 0 && acknowledged.size > ackedAtFailover + 50, 'writes to resume', [newLeader])
      stopping = true
      await Promise.all([...writers, counter, ...readers])

      expect(newLeader).not.toBe(oldLeader)
      expect(staleReads).toEqual([])
      expect(reads).toBeGreaterThan(10)
      const reader = cluster.client.session()
      const lost: string[] = []
      for (const [key, value] of acknowledged) if ((await reader.get(key)) !== value) lost.push(key)
      expect(lost).toEqual([])
      expect(Number(await reader.get('register'))).toBeGreaterThanOrEqual(lastAcked)
    })
  })
}
