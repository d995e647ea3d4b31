import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, test} from 'vitest'

import {CliResult, runCli} from './run-cli.js'

// Conventions every command keeps (DESIGN.md): exit 0/1/2, one-line errors, --json errors, durations with units.
// No cluster runs here: a fresh data dir is a cluster that is not up, and flag errors fail before any load.
const dataDir = mkdtempSync(join(tmpdir(), 'dsys-conventions-'))
const dsys = (...args: string[]) => runCli([...args, '--data-dir', dataDir])
const UNREACHABLE = 'http://127.0.0.1:1/'

afterAll(() => rmSync(dataDir, {recursive: true, force: true}))

function expectOneErrorLine(r: CliResult): string {
  const lines = r.stderr.trimEnd().split('\n')
  expect(lines, r.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^dsys: error: \S/)
  return lines[0]
}

describe('usage errors exit 2 with one line on stderr', () => {
  test('an unknown flag', async () => {
    const r = await dsys('bench', 'http', UNREACHABLE, '--bogus')
    expect(r.code).toBe(2)
    expect(expectOneErrorLine(r)).toContain('--bogus')
    expect(r.stdout).toBe('')
  })

  test('a bad duration', async () => {
    const r = await dsys('bench', 'http', UNREACHABLE, '--warmup', 'soon')
    expect(r.code).toBe(2)
    expect(expectOneErrorLine(r)).toContain('--warmup: invalid duration "soon"')
  })

  test('a duration without a unit, with the unit suggested', async () => {
    const r = await dsys('bench', 'http', UNREACHABLE, '--warmup', '1000')
    expect(r.code).toBe(2)
    expect(expectOneErrorLine(r)).toBe('dsys: error: --warmup: "1000" has no unit; did you mean 1000ms?')
  })

  test.each([
    ['check kv', '--duration', '0s'],
    ['check lock', '--duration', '0ms'],
    ['check txn', '--duration', '0s'],
    ['cluster up', '--timeout', '0s'],
    ['ring remove-node ring-shard-1', '--timeout', '0s'],
  ])('a zero duration where none makes sense: %s %s %s', async (command, flag, value) => {
    const r = await dsys(...command.split(' '), flag, value)
    expect(r.code).toBe(2)
    expect(expectOneErrorLine(r)).toBe(`dsys: error: ${flag} must be at least 1ms, got "${value}"`)
  })

  test.each([
    ['a missing argument', ['cluster', 'kill']],
    ['a value not among the options', ['cluster', 'kill', 'lock-1', '--signal', 'NOPE']],
    ['conflicting flags', ['ring', 'churn', '--remove', '1', '--remove-ids', 'n3', '--keys', '5', '--keys-file', 'keys.txt']],
    ['a bad argument checked by the command', ['bench', 'http', 'ftp://example.com/']],
  ])('%s', async (_name, args) => {
    const r = await dsys(...args)
    expect(r.code).toBe(2)
    expectOneErrorLine(r)
  })

  test('an unknown command names the nearest one as it is typed, without a prompt', async () => {
    const r = await runCli(['cluster', 'stauts'])
    expect(r.code).toBe(2)
    expect(expectOneErrorLine(r)).toContain('did you mean dsys cluster status?')
  })

  test('with --json, a small {"error": ...} document is all of stdout', async () => {
    const r = await dsys('bench', 'http', UNREACHABLE, '--warmup', '1000', '--json')
    expect(r.code).toBe(2)
    expect(Buffer.byteLength(r.stdout)).toBeLessThan(1024)
    expect(JSON.parse(r.stdout)).toEqual({error: {code: 'usage', message: '--warmup: "1000" has no unit; did you mean 1000ms?'}})
    expectOneErrorLine(r)
  })
})

describe('a failed run exits 1 with one line on stderr', () => {
  test.each([
    ['cluster status', ['cluster', 'status']],
    ['cluster kill', ['cluster', 'kill', 'lock-1']],
    ['bench kv', ['bench', 'kv', '--duration', '1s']],
  ])('a cluster that is not up: %s', async (_name, args) => {
    const r = await dsys(...args)
    expect(r.code).toBe(1)
    expect(expectOneErrorLine(r)).toContain('no cluster is up')
  })

  test('with --json, the failure is the {"error": ...} document', async () => {
    const r = await dsys('cluster', 'status', '--json')
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout).error).toMatchObject({code: 'failed', message: expect.stringContaining('no cluster is up')})
  })
})

test('help shows duration defaults with their unit, as they are typed', async () => {
  const r = await runCli(['bench', 'lock', '--help'])
  expect(r.code).toBe(0)
  expect(r.stdout).toMatch(/--ttl=<value>\s+\[default: 5s\]/)
  expect(r.stdout).toMatch(/--warmup=<value>\s+\[default: 1s\]/)
})
