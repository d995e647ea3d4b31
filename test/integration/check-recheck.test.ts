import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {expect, test} from 'vitest'

import {clusterForTests} from './cli/cluster-fixture.js'

const {dataDir, dsys} = clusterForTests(['--raft', '3'])

type Event = {process: number; type: string; f: string; key: string; value: unknown; time: number}
const readEvents = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Event)
const writeEvents = (path: string, events: object[]) => writeFileSync(path, events.map((e) => JSON.stringify(e)).join('\n') + '\n')

test('a real check kv with the leader killed, re-checked from its history file: the same verdict; with one stale read planted, exit 1 naming it', async () => {
  const path = join(dataDir, 'kv.jsonl')
  const live = await dsys('check', 'kv', '--duration', '3s', '--faults', 'kill', '--victim', 'leader', '--fault-interval', '1s', '--clients', '3', '--keys', '2', '--seed', '7', '--history', path, '--json')
  expect(live.code, live.stderr).toBe(0)
  const liveReport = JSON.parse(live.stdout)
  expect(liveReport.faults.map((f: {action: string}) => f.action)).toContain('kill -9')

  const again = await dsys('check', 'kv', '--history', path, '--recheck', '--json')
  expect(again.code, again.stderr).toBe(0)
  const recheck = JSON.parse(again.stdout)
  expect(recheck).toMatchObject({workload: 'check-kv', rechecked: true, history: path, operations: liveReport.operations, result: liveReport.result, timeline: liveReport.timeline})

  // A reader that starts after everything else ended and sees the first value written to a key that was written again.
  const events = readEvents(path)
  const puts = events.filter((e) => e.f === 'put' && e.type === 'ok')
  const key = puts.find((p) => puts.some((q) => q.key === p.key && q.value !== p.value))!.key
  const first = puts.find((e) => e.key === key)!.value
  const end = events.at(-1)!.time
  const stalePath = join(dataDir, 'stale.jsonl')
  writeEvents(stalePath, [...events, {process: 99, type: 'invoke', f: 'get', key, value: null, time: end + 1}, {process: 99, type: 'ok', f: 'get', key, value: first, time: end + 2}])
  const staleLine = events.length + 1

  const text = await dsys('check', 'kv', '--history', stalePath, '--recheck')
  expect(text.code, text.stderr).toBe(1)
  expect(text.stdout).toContain(`linearizable: NO on key ${key}`)
  expect(text.stdout).toContain(`get by process 99 (history line ${staleLine}, `)
  expect(text.stdout).toContain(`read ${JSON.stringify(first)}, but the register could only have held`)

  const json = JSON.parse((await dsys('check', 'kv', '--history', stalePath, '--recheck', '--json')).stdout)
  expect(json.anomaly.couldHaveSeen.length).toBeGreaterThan(0)
  expect(json.anomaly.couldHaveSeen).not.toContain(first)
  expect(json.anomaly.shortestPrefix.lastLine).toBe(staleLine + 1)
  expect(json.anomaly.operations.filter((o: {marked: boolean}) => o.marked).map((o: {line: number}) => o.line)).toContain(staleLine)
})

test('a re-check of a history with a malformed line is a usage error naming the file and the line, with nothing on stdout', async () => {
  const path = join(dataDir, 'malformed.jsonl')
  writeFileSync(path, '{"process":1,"type":"invoke","f":"put","key":"k","value":"a","time":0}\n{"process":1,"type":"ok","f":"put","key":"k","value":"a","time":"soon"}\n')
  const r = await dsys('check', 'kv', '--history', path, '--recheck')
  expect(r.code).toBe(2)
  expect(r.stdout).toBe('')
  expect(r.stderr.trim()).toBe(`dsys: error: ${path}, line 2: not a kv history event: field "time" must be a number (ms), not "soon"`)
})

test('--recheck refuses a missing --history and the flags of a live run', async () => {
  const missing = await dsys('check', 'lock', '--recheck')
  expect([missing.code, missing.stderr.trim()]).toEqual([2, 'dsys: error: --recheck needs --history FILE: the history to check'])
  const live = await dsys('check', 'txn', '--history', join(dataDir, 'kv.jsonl'), '--recheck', '--duration', '5s')
  expect(live.code).toBe(2)
  expect(live.stderr).toMatch(/^dsys: error: Only the following can be provided when using --recheck/)
})
