import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {KV_PROTOCOLS} from './protocols.js'
import {ReplicaTestCluster} from './replica-cluster.js'

for (const {protocol, subsystem} of KV_PROTOCOLS) {
  describe(`${protocol} kv: every replica crashes and restarts`, () => {
    let cluster: ReplicaTestCluster

    beforeAll(async () => {
      cluster = await ReplicaTestCluster.start({}, 3, subsystem)
    })
    afterAll(async () => {
      await cluster?.stop()
    })

    it('recovers every acknowledged write from the WAL after kill -9 of all replicas', async () => {
      const session = cluster.client.session()
      const written = new Map<string, string>()
      await Promise.all(
        Array.from({length: 4}, async (_, w) => {
          const s = cluster.client.session()
          for (let i = 0; i < 50; i++) {
            await s.put(`k${w}-${i}`, `v${w}-${i}`)
            written.set(`k${w}-${i}`, `v${w}-${i}`)
          }
        }),
      )
      await session.delete('k0-0')
      written.delete('k0-0')
      expect((await session.cas('k1-1', 'v1-1', 'changed')).ok).toBe(true)
      written.set('k1-1', 'changed')

      for (const name of cluster.names) cluster.kill(name)
      for (const name of cluster.names) await cluster.restart(name)
      await cluster.waitForLeader()

      const reader = cluster.client.session()
      expect(await reader.get('k0-0')).toBeNull()
      for (const [key, value] of written) expect(await reader.get(key)).toBe(value)
    })
  })
}
