import {expect, test} from 'vitest'

import {clusterForTests} from '../cli/cluster-fixture.js'

const {dsys} = clusterForTests(['--txn', '3'])

interface Report {
  committedAudits: number
  minAudits: number
  problems: string[]
}

test('dsys check txn with its default flags (20 s, faults on) commits at least 100 audits, each a consistent snapshot, and says how many', async () => {
  const r = await dsys('check', 'txn', '--json')
  const report = JSON.parse(r.stdout) as Report
  expect(report.problems, r.stderr).toEqual([])
  expect(r.code).toBe(0)
  expect(report.minAudits).toBe(100)
  expect(report.committedAudits).toBeGreaterThanOrEqual(100)
})

test('dsys check txn fails when fewer audits commit than --min-audits, naming the count in its table', async () => {
  const r = await dsys('check', 'txn', '--duration', '2s', '--faults', 'none', '--min-audits', '100000')
  expect(r.code).toBe(1)
  expect(r.stdout).toMatch(/committed audits \(min\)/)
  expect(r.stdout).toMatch(/- only \d+ audits committed; at least 100000 must \(--min-audits\)/)
})
