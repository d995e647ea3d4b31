import {describe, test} from 'vitest'

import {PEER_KINDS} from '../../../src/runtime/cluster/peers/peers.js'
import {clusterForTests} from '../cli/cluster-fixture.js'
import {fencedRun} from './fenced-run.js'

const missing = PEER_KINDS.find((p) => p.kind === 'zookeeper')!.missing()
if (missing) console.warn(`skipping the ZooKeeper client-pause check: ${missing} (Debian package zookeeperd; .ci/run installs it)`)

/**
 * `dsys check lock --target zookeeper --faults client-pause`: the paused
 * client's session pings stop with it, so the session expires, the lock
 * passes on with a higher sequence, and the resource fences off the stale write.
 */
describe.skipIf(missing !== undefined)('check lock: client pauses against ZooKeeper', () => {
  const {dsys} = clusterForTests(['--zookeeper', '1'])

  test("a paused holder's session expires, the next holder's higher sequence fences off its write: the verdict is safe", async () => {
    const run = await dsys('check', 'lock', '--target', 'zookeeper', '--faults', 'client-pause', '--clients', '4', '--locks', '1', '--duration', '6s', '--fault-interval', '500ms', '--seed', '5', '--json')
    fencedRun(run, 1)
  })
})
