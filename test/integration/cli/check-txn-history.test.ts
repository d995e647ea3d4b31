import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {expect, test} from 'vitest'

import {clusterForTests} from './cluster-fixture.js'

const {dataDir, dsys} = clusterForTests(['--txn', '2'])

type Event = {process?: number; type: string; f?: string; participant?: string; inDoubt?: number; balances?: Record<string, number>}

test('check txn writes its bank history as JSON Lines: each transaction outcome, then each participant final state', async () => {
  const path = join(dataDir, 'bank.jsonl')
  const r = await dsys('check', 'txn', '--duration', '2s', '--faults', 'none', '--clients', '2', '--accounts', '10', '--history', path)
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout).toContain(`history: ${path}`)
  const events = readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Event)
  const transactions = events.filter((e) => e.type !== 'final')
  // Every invocation is followed by exactly one outcome of the same process.
  const open = new Map<number, string>()
  for (const e of transactions) {
    if (e.type === 'invoke') {
      expect(open.has(e.process!)).toBe(false)
      open.set(e.process!, e.f!)
    } else {
      expect(['ok', 'fail', 'info']).toContain(e.type)
      expect(open.get(e.process!)).toBe(e.f)
      open.delete(e.process!)
    }
  }
  expect(open.size).toBe(0)
  expect(transactions.some((e) => e.f === 'transfer' && e.type === 'ok')).toBe(true)
  expect(transactions.some((e) => e.f === 'audit')).toBe(true)
  const finals = events.filter((e) => e.type === 'final')
  expect(finals.map((e) => e.participant).sort()).toEqual(['txn-participant-1', 'txn-participant-2'])
  expect(finals.every((e) => e.inDoubt === 0)).toBe(true)
  const money = finals.flatMap((e) => Object.values(e.balances!)).reduce((a, b) => a + b, 0)
  expect(money).toBe(10 * 1_000)
})

test('check txn writes its history under <data-dir>/check/ by default, as check kv and check lock do', async () => {
  const r = await dsys('check', 'txn', '--duration', '1s', '--faults', 'none', '--clients', '1', '--accounts', '4')
  expect(r.code, r.stderr).toBe(0)
  const written = readdirSync(join(dataDir, 'check')).filter((name) => /^txn-.*\.jsonl$/.test(name))
  expect(written).toHaveLength(1)
  expect(r.stdout).toContain(`history: ${join(dataDir, 'check', written[0])}`)
})
