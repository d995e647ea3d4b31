import {join} from 'node:path'

import type {Membership} from '../../core/ring-live/index.js'
import type {PlacementOptions} from '../../core/ring/index.js'
import type {Disk} from '../../runtime/env/disk.js'
import {readJsonFileSync, writeFileAtomic} from '../../runtime/storage/atomic-file.js'

/**
 * What a router must remember across restarts: its shards, and a migration
 * that had started (a restarted router resumes it: copies are put-if-absent,
 * so repeating one is harmless).
 */
export interface RouterState {
  version: 1
  algorithm: string
  options: Partial<PlacementOptions>
  membership: Membership
  /** The membership being migrated to, or null. */
  migratingTo: Membership | null
  /** Migrations started so far: the next one's id. */
  migrations: number
}

const STATE_FILE = 'router-state.json'

export function readRouterState(dataDir: string, disk: Disk): RouterState | undefined {
  return readJsonFileSync<RouterState>(join(dataDir, STATE_FILE), disk)
}

export function writeRouterState(dataDir: string, state: RouterState, disk: Disk): Promise<void> {
  return writeFileAtomic(join(dataDir, STATE_FILE), JSON.stringify(state, null, 2) + '\n', disk)
}
