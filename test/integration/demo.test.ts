import {type ChildProcess, spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, expect, test} from 'vitest'

import type {DemoSummary} from '../../src/cli/demo/run-demo.js'
import {processesStartedWith} from '../../src/runtime/cluster/processes.js'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const root = mkdtempSync(join(tmpdir(), 'dsys-demo-test-'))

const started: Array<{child: ChildProcess; exit: Promise<number | null>}> = []

// A demo still running (a test that failed or timed out) is stopped as a user would, with Ctrl-C; any node it left goes too.
afterAll(async () => {
  for (const demo of started.filter((d) => d.child.exitCode === null && d.child.signalCode === null)) {
    demo.child.kill('SIGINT')
    await demo.exit
  }
  for (const pid of processesStartedWith([root]).get(root) ?? []) process.kill(pid, 'SIGKILL')
  rmSync(root, {recursive: true, force: true})
})

/** `dsys demo --quick --out <dir>/out ...args` run from an empty <dir>/cwd with an empty <dir>/tmp as TMPDIR, so a file written anywhere else shows. */
function startDemo(name: string, args: string[]) {
  const dir = join(root, name)
  for (const sub of ['cwd', 'tmp']) mkdirSync(join(dir, sub), {recursive: true})
  const outDir = join(dir, 'out')
  const child = spawn(process.execPath, [BIN, 'demo', '--quick', '--out', outDir, ...args], {cwd: join(dir, 'cwd'), env: {...process.env, TMPDIR: join(dir, 'tmp'), NO_COLOR: '1'}})
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exit = new Promise<number | null>((done) => child.on('close', done))
  started.push({child, exit})
  /** Resolves once stderr has shown `text`. */
  const stderrShows = (text: string) =>
    new Promise<void>((shown) => {
      const look = () => stderr.includes(text) && (child.stderr!.off('data', look), shown())
      child.stderr!.on('data', look)
      look()
    })
  return {child, dir, outDir, stdout: () => stdout, stderr: () => stderr, stderrShows, exit}
}

/** Every node's config lies under the output directory, so no process may name it on its command line. */
const processesLeft = (outDir: string) => processesStartedWith([outDir]).get(outDir)

/** The quick demo takes about 25 s on an idle 2-core machine and took 100 s beside other engineers' test runs (load average 23). */
const DEMO_TIMEOUT_MS = 180_000
const STEPS = ['bench lock', 'bench kv', 'bench ring', 'bench txn', 'check kv', 'ring churn']

test('the demo saves every result and one report with a section for each, stops the cluster and writes nowhere else', async () => {
  const demo = startDemo('full', ['--json'])
  const code = await demo.exit
  const summary = JSON.parse(demo.stdout()) as DemoSummary
  expect(summary.steps.map((s) => s.name)).toEqual(['cluster up', ...STEPS, 'report', 'cluster down'])
  expect(summary.steps.filter((s) => s.status !== 'passed')).toEqual([])
  expect(code, demo.stderr()).toBe(0)
  expect(summary).toMatchObject({outDir: demo.outDir, report: join(demo.outDir, 'report.html'), failed: [], interrupted: false})
  expect(summary.steps.find((s) => s.name === 'bench lock')!.summary).toMatch(/acquisitions\/s, acquire p99 [\d.]+ ms/)

  const html = readFileSync(summary.report!, 'utf8')
  STEPS.forEach((name, i) => expect(html).toMatch(new RegExp(`<section id="run-${i + 1}"><h2>${name}<`)))
  for (const step of summary.steps.filter((s) => STEPS.includes(s.name))) {
    expect(JSON.parse(readFileSync(step.file!, 'utf8')).run.command, step.name).toContain(`dsys ${step.name}`)
  }
  expect(readdirSync(join(demo.dir, 'cwd'))).toEqual([])
  expect(readdirSync(join(demo.dir, 'tmp'))).toEqual([])
  expect(readdirSync(demo.outDir).sort()).toEqual(['bench-kv.json', 'bench-lock.json', 'bench-ring.json', 'bench-txn.json', 'check-kv-history.jsonl', 'check-kv.json', 'report.html', 'ring-churn.json'])
  expect(processesLeft(demo.outDir)).toEqual([])
}, DEMO_TIMEOUT_MS)

test('Ctrl-C stops the running step and the cluster, says where the partial results are and exits 130', async () => {
  const demo = startDemo('interrupted', [])
  // Bench lock is the first step after cluster up: interrupt it while it runs.
  await demo.stderrShows('[2/9] bench lock')
  demo.child.kill('SIGINT')
  const code = await demo.exit
  expect(code, demo.stderr()).toBe(130)
  expect(demo.stderr()).toContain(`interrupted: the cluster is stopped; the results so far are in ${demo.outDir}`)
  expect(demo.stdout()).toMatch(/bench lock\s+│ interrupted/)
  expect(processesLeft(demo.outDir)).toEqual([])
  // No cluster directory, no result of the interrupted step, no report.
  expect(readdirSync(demo.outDir)).toEqual([])
  expect(readdirSync(join(demo.dir, 'tmp'))).toEqual([])
}, DEMO_TIMEOUT_MS)
