import {describe, expect, test} from 'vitest'

import type {LockCheckReport} from '../../../src/check/lock-check.js'
import {PEER_KINDS} from '../../../src/runtime/cluster/peers/peers.js'
import {clusterForTests} from '../cli/cluster-fixture.js'

const missing = PEER_KINDS.find((p) => p.kind === 'redis')!.missing()
if (missing) console.warn(`skipping the Redis client-pause check: ${missing} (Debian package redis-server; .ci/run installs it)`)

/** `dsys check lock --target redis --faults client-pause`: Redis gives no fencing token, so the paused holder's late write goes through. */
describe.skipIf(missing !== undefined)('check lock: client pauses against Redis', () => {
  const {dsys} = clusterForTests(['--redis', '1'])

  test('a holder paused past its lease writes after the lock passed on, and the check reports the stale write and exits 1', async () => {
    // One lock and four clients: while the paused holder stands still, another one takes the lock.
    const args = ['check', 'lock', '--target', 'redis', '--faults', 'client-pause', '--clients', '4', '--locks', '1', '--ttl', '300ms', '--hold', '5ms', '--duration', '4s', '--fault-interval', '500ms', '--seed', '5']
    const run = await dsys(...args, '--json')
    expect(run.code, run.stderr).toBe(1)
    const report = JSON.parse(run.stdout) as LockCheckReport
    expect(report.faults.filter((f) => f.action === 'client-pause').length).toBeGreaterThanOrEqual(2)
    expect(report.resource).toMatchObject({fencing: false, staleRejected: 0})
    expect(report.result.violations.map((v) => v.kind)).toContain('stale write')
    expect(report.result.violations.filter((v) => v.kind !== 'stale write'), 'nothing but the stale writes').toEqual([])
    expect(report.anomaly?.explanation).toMatch(/^stale write on lock .*: the resource accepted a write with a grant \(no token\) from process \d+/)
    expect(report.anomaly?.operations.filter((o) => o.marked).map((o) => o.f)).toEqual(['acquire', 'acquire', 'write'])
  })
})
