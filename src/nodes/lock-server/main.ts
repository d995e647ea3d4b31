import {realEnv} from '../../runtime/env/real-env.js'
import {LOCK_LIMITS} from '../../core/lock/limits.js'
import {runNode} from '../run-node.js'
import {lockRoutes} from '../lock-common/lock-routes.js'
import {LockService} from './lock-service.js'

await runNode('lock-server', async (config, log) => {
  const service = new LockService(realEnv(), config.dataDir)
  log.info('lock table recovered', {reservation: service.recoveredFrom ?? null})
  return {
    maxBodyBytes: LOCK_LIMITS.bodyBytes,
    health: () => service.health(),
    close: async () => service.close(),
    routes: lockRoutes(service),
  }
})
