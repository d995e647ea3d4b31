import {existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {processesStartedWith, stopProcess} from '../../runtime/cluster/processes.js'
import {writeFileAtomicSync} from '../../runtime/storage/atomic-file.js'
import {writeHtmlReport} from '../../report/html-report.js'
import type {ReportInput} from '../../report/report-input.js'
import {UsageError} from '../../core/common/usage-error.js'
import {demoSteps} from './demo-steps.js'
import {headline} from './headline.js'
import {runChild} from './run-child.js'

export interface DemoStepResult {
  name: string
  /** The command as the demo ran it. */
  command: string
  status: 'passed' | 'failed' | 'interrupted'
  exitCode: number | null
  seconds: number
  /** The headline numbers, or why the step failed. */
  summary: string
  /** The saved --json result, when there is one. */
  file: string | null
}

/** What `dsys demo --json` prints. */
export interface DemoSummary {
  outDir: string
  report: string | null
  steps: DemoStepResult[]
  failed: string[]
  interrupted: boolean
  seconds: number
}

export interface DemoOptions {
  /** The dsys bin script the steps run with (this same dsys). */
  bin: string
  outDir: string
  quick: boolean
  /** Ctrl-C: stop the running step, stop the cluster, return what was done. */
  signal: AbortSignal
  /** Progress for people (stderr), written in pieces: a step's line is ended once it has finished. */
  write: (text: string) => void
}

/** The cluster's directory inside the output directory; removed once the cluster is down. */
const CLUSTER_DIR = 'cluster'
const DOWN_GRACE = '2s'

/** Makes `dir` (which must be new or empty, so results never mix); true when the demo created it. */
export function prepareOutDir(dir: string): boolean {
  if (!existsSync(dir)) {
    mkdirSync(dir, {recursive: true})
    return true
  }
  if (!statSync(dir).isDirectory()) throw new UsageError(`--out ${dir} is a file; name a new or empty directory`)
  if (readdirSync(dir).length > 0) throw new UsageError(`--out ${dir} is not empty; name a new or empty directory, so the demo's files do not mix with others`)
  return false
}

/** A new directory name per run, sortable by time: dsys-demo-20261204-191502. */
export function defaultOutDirName(now: Date): string {
  return `dsys-demo-${now.toISOString().slice(0, 19).replace(/-|:/g, '').replace('T', '-')}`
}

/**
 * The demo: cluster up in <outDir>/cluster, each step of demoSteps() as a
 * child dsys process with its --json result saved in outDir, one HTML report
 * of them all, then cluster down --purge, whatever happened before. A failed
 * step is recorded and the rest go on; a cluster that does not come up ends
 * the demo with an error.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoSummary> {
  const started = performance.now()
  const dataDir = join(opts.outDir, CLUSTER_DIR)
  const steps = demoSteps(opts.outDir, opts.quick)
  const total = steps.length + 3 // cluster up, the steps, the report, cluster down
  let index = 0
  const begin = (name: string, about: string) => opts.write(`[${++index}/${total}] ${name}: ${about} … `)
  /** A step's command line: its args against the demo's cluster, with --json. */
  const full = (args: string[]) => [...args, '--data-dir', dataDir, '--json']
  const run = (args: string[]) => runChild(opts.bin, full(args), opts.signal)
  const results: DemoStepResult[] = []
  const inputs: ReportInput[] = []

  begin('cluster up', `a local cluster of every subsystem in ${dataDir}`)
  const up = await run(['cluster', 'up'])
  const upResult = stepResult('cluster up', full(['cluster', 'up']), up)
  if (upResult.status === 'passed') upResult.summary = clusterSummary(parseJson(up.stdout))
  opts.write(`${upResult.summary} (${upResult.seconds.toFixed(1)} s)\n`)
  results.push(upResult)
  if (upResult.status === 'failed') {
    await stopCluster(opts.bin, dataDir)
    throw new Error(`the cluster did not come up: ${childError(up.stderrTail)}`)
  }

  for (const step of steps) {
    if (opts.signal.aborted) break
    begin(step.name, step.about)
    const outcome = await run(step.args)
    const result = stepResult(step.name, full(step.args), outcome)
    const document = parseJson(outcome.stdout)
    if (document && !('error' in document)) {
      result.file = join(opts.outDir, step.file)
      writeFileAtomicSync(result.file, outcome.stdout)
      inputs.push({label: step.name, result: document})
      result.summary = result.status === 'failed' ? `${result.summary}; ${headline(document)}` : headline(document)
    }
    opts.write(`${result.summary} (${result.seconds.toFixed(1)} s)\n`)
    results.push(result)
  }

  let report: string | null = null
  if (!opts.signal.aborted) {
    begin('report', `one HTML page of the ${inputs.length} results`)
    const t0 = performance.now()
    const path = join(opts.outDir, 'report.html')
    const result: DemoStepResult = {name: 'report', command: `writeHtmlReport ${path}`, status: 'passed', exitCode: 0, seconds: 0, summary: path, file: path}
    try {
      writeHtmlReport(path, inputs, {title: 'dsys demo'})
      report = path
    } catch (error) {
      Object.assign(result, {status: 'failed', exitCode: null, file: null, summary: `could not write the report: ${(error as Error).message}`})
    }
    result.seconds = (performance.now() - t0) / 1000
    opts.write(`${result.summary} (${result.seconds.toFixed(1)} s)\n`)
    results.push(result)
  }

  begin('cluster down', 'stop every node and remove the cluster directory')
  const down = await stopCluster(opts.bin, dataDir)
  opts.write(`${down.summary} (${down.seconds.toFixed(1)} s)\n`)
  results.push(down)

  const failed = results.filter((r) => r.status === 'failed').map((r) => r.name)
  return {outDir: opts.outDir, report, steps: results, failed, interrupted: opts.signal.aborted, seconds: (performance.now() - started) / 1000}
}

/** Removes `outDir` when the demo created it and nothing is left in it (a cluster that did not come up). */
export function removeIfEmpty(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir)
}

/**
 * cluster down --purge (not interruptible: it is what a Ctrl-C asks for),
 * then any node process still naming the cluster directory is stopped (one a
 * step started and was stopped before recording it), and the directory goes.
 */
async function stopCluster(bin: string, dataDir: string): Promise<DemoStepResult> {
  const args = ['cluster', 'down', '--purge', '--grace', DOWN_GRACE, '--data-dir', dataDir, '--json']
  const outcome = await runChild(bin, args, new AbortController().signal)
  const result = stepResult('cluster down', args, outcome)
  const leftovers = processesStartedWith([dataDir]).get(dataDir) ?? []
  for (const pid of leftovers) await stopProcess(pid, dataDir, 1_000)
  rmSync(dataDir, {recursive: true, force: true})
  if (result.status === 'passed') result.summary = leftovers.length > 0 ? `stopped; ${leftovers.length} stray node process(es) stopped too` : 'every node stopped, data removed'
  return result
}

function stepResult(name: string, args: string[], outcome: {code: number | null; stderrTail: string; aborted: boolean; seconds: number}): DemoStepResult {
  const status = outcome.aborted ? 'interrupted' : outcome.code === 0 ? 'passed' : 'failed'
  const exit = outcome.code === null ? 'killed' : `exit ${outcome.code}`
  const summary = status === 'interrupted' ? 'interrupted' : status === 'failed' ? `failed (${exit}): ${childError(outcome.stderrTail)}` : ''
  return {name, command: ['dsys', ...args].join(' '), status, exitCode: outcome.code, seconds: outcome.seconds, summary, file: null}
}

/** The child's own error line ("dsys: error: …") without its prefix, or else its last line. */
function childError(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '')
  const error = lines.findLast((line) => line.startsWith('dsys: error: '))
  return error ? error.slice('dsys: error: '.length) : (lines.at(-1) ?? 'no message')
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** "12 nodes: 1 lock, 3 raft, …" from cluster up's --json state. */
function clusterSummary(state: Record<string, unknown> | undefined): string {
  const nodes = Array.isArray(state?.nodes) ? (state.nodes as Array<{kind: string}>) : []
  const byKind = new Map<string, number>()
  for (const n of nodes) byKind.set(n.kind, (byKind.get(n.kind) ?? 0) + 1)
  return `${nodes.length} nodes: ${[...byKind].map(([kind, count]) => `${count} ${kind}`).join(', ')}`
}
