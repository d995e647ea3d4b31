import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ringSubsystem} from '../../../src/runtime/cluster/subsystems.js'
import {clusterDown, clusterUp} from '../../../src/runtime/cluster/supervisor.js'
import {JsonClient} from '../../../src/runtime/net/json-client.js'
import {RingAdmin} from '../../../src/runtime/clients/ring-admin-client.js'

/** A real ring cluster (router + shards as processes) in a temp data dir, with a router client and the admin driver. */
export interface RingTestCluster {
  dataDir: string
  router: JsonClient
  admin: RingAdmin
  stop(): Promise<void>
}

export async function startRingCluster(algorithm: string, shards: number): Promise<RingTestCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), `dsys-ring-${algorithm}-`))
  const {state} = await clusterUp({dataDir, host: '127.0.0.1', plans: ringSubsystem.plan({size: shards, ringAlgorithm: algorithm}), healthTimeoutMs: 15_000})
  const router = new JsonClient(state.nodes.find((n) => n.name === 'ring-router')!.url, {connections: 64})
  const admin = RingAdmin.forCluster(dataDir)
  return {
    dataDir,
    router,
    admin,
    stop: async () => {
      await router.close()
      await admin.close()
      await clusterDown(dataDir, 1000, true)
      rmSync(dataDir, {recursive: true, force: true})
    },
  }
}
