import {readFileSync} from 'node:fs'

import {describe, expect, test} from 'vitest'

import type {LockEvent} from '../../../src/core/check/mutual-exclusion.js'
import {clusterForTests} from '../cli/cluster-fixture.js'
import {fencedRun} from './fenced-run.js'

/** `dsys check lock --faults client-pause` on the dsys lock server: its fencing tokens let the resource turn the paused holder away. */
describe('check lock: client pauses against the lock server', () => {
  const {dsys} = clusterForTests(['--lock'])

  test('a holder paused past its lease writes with its old token and the resource rejects it: the verdict is safe', async () => {
    // One lock and four clients: while a holder stands still, the others wait for its lease to end and take the lock.
    const run = await dsys('check', 'lock', '--faults', 'client-pause', '--clients', '4', '--locks', '1', '--ttl', '300ms', '--hold', '5ms', '--duration', '4s', '--fault-interval', '500ms', '--seed', '5', '--json')
    const report = fencedRun(run, 2)

    // The history shows it: a write refused (fail) with a token below one granted while its holder stood still.
    const history = readFileSync(report.history, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as LockEvent)
    const refused = history.find((e) => e.f === 'write' && e.type === 'fail')!
    expect(history.some((e) => e.f === 'acquire' && e.type === 'ok' && e.token! > refused.token! && e.time < refused.time)).toBe(true)
  })
})
