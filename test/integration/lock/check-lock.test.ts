import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {LockCheckReport, runLockCheck} from '../../../src/check/lock-check.js'
import {checkLockHistory, LockEvent} from '../../../src/core/check/mutual-exclusion.js'
import {lockSubsystem} from '../../../src/runtime/cluster/subsystems.js'
import {clusterDown, clusterUp} from '../../../src/runtime/cluster/supervisor.js'

/** `dsys check lock` against a real lock server that is killed or paused every 0.8 s. */
describe('lock server: mutual-exclusion check under kill -9 and pauses', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dsys-check-lock-'))
  let report: LockCheckReport

  beforeAll(async () => {
    await clusterUp({dataDir, host: '127.0.0.1', plans: lockSubsystem.plan({}), healthTimeoutMs: 15_000})
    report = await runLockCheck({
      dataDir,
      clients: 6,
      locks: 2,
      // Leases outlive the server's downtime and holds span it, so a restarted server that forgot
      // to wait out old leases would hand a lock to a second holder (with that wait removed from
      // LockTable, this test reports overlaps).
      ttlMs: 4_000,
      holdMs: 3_000,
      durationMs: 8_000,
      faults: ['kill', 'pause'],
      faultIntervalMs: 800,
      seed: 3,
      historyPath: join(dataDir, 'history.jsonl'),
    })
  })
  afterAll(async () => {
    await clusterDown(dataDir, 1_000, true)
    rmSync(dataDir, {recursive: true, force: true})
  })

  it('finds no overlapping holders and tokens in order while the server crashes and stalls', () => {
    expect(report.result.violations).toEqual([])
    // Each restart waits out the old leases (4 s), so grants are few; what matters is that none overlapped.
    expect(report.result.grants).toBeGreaterThanOrEqual(3)
    expect(report.faults.length).toBeGreaterThanOrEqual(4)
    expect(report.operations.info, 'some operations met the server down').toBeGreaterThan(0)
  })

  it('catches a token granted twice once one is planted in the written history', () => {
    const history = readFileSync(report.history, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as LockEvent)
    const grants = history.filter((e) => e.f === 'acquire' && e.type === 'ok')
    const [first, later] = [grants[0], grants.find((e) => e.lock === grants[0].lock && e.token !== grants[0].token)!]
    const planted = history.map((e) => (e === later ? {...e, token: first.token} : e))
    expect(checkLockHistory(planted).violations.map((v) => v.kind)).toContain('duplicate token')
  })
})
