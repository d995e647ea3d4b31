/**
 * Idle cluster cost: starts the default cluster (what `dsys cluster up`
 * starts with no flags: every subsystem, 12 nodes) in a temp data directory,
 * waits for a Raft leader and lets it settle, then reads each node process's
 * CPU time (utime + stime in /proc/<pid>/stat, clock ticks of `getconf
 * CLK_TCK`) before and after a window with no load and no requests (no
 * health polls either). Prints the cost per node kind and in total as % of
 * one core, writes bench/results/idle.md, and stops the cluster.
 *
 *   node dist/bench/idle-cpu.js [--duration 10s] [--settle 3s]
 */
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {parseDurationMs} from '../src/core/common/duration.js'
import {fetchHealth} from '../src/runtime/cluster/health.js'
import {SUBSYSTEMS} from '../src/runtime/cluster/subsystems.js'
import {clusterDown, clusterUp} from '../src/runtime/cluster/supervisor.js'
import {fmt, machineDescription} from './common.js'

const arg = (name: string, fallback: string): number => {
  const i = process.argv.indexOf(name)
  return parseDurationMs(i > 0 ? process.argv[i + 1] : fallback)
}
const DURATION_MS = arg('--duration', '10s')
const SETTLE_MS = arg('--settle', '3s')
const LEADER_TIMEOUT_MS = 15_000

/** Measured once by hand, for comparison with what this run finds: it names its machine, which may not be this one. */
const BASELINE =
  'Before issue 13\'s idle work, the same measurement on the machine these results were first taken on (2 × AMD EPYC, Node v20.20.2): 166 ticks in 10 s (16.6% of one core; Raft replicas 151 of them) at deaf180, the commit the issue measured 266 ticks (27%) at; 144 ticks (14.4%; Raft replicas 139) at 5cd733a.'

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim())

/** utime + stime of `pid` so far, in clock ticks. */
function cpuTicks(pid: number): number {
  // The fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return Number(fields[11]) + Number(fields[12])
}

const percentOfCore = (ticks: number): number => (ticks / CLK_TCK / (DURATION_MS / 1000)) * 100

async function waitForRaftLeader(urls: string[]): Promise<void> {
  const deadline = Date.now() + LEADER_TIMEOUT_MS
  while (Date.now() < deadline) {
    const roles = await Promise.all(urls.map(async (url) => (await fetchHealth(url))?.role))
    if (roles.includes('leader')) return
    await sleep(50)
  }
  throw new Error(`no Raft leader within ${LEADER_TIMEOUT_MS} ms`)
}

const dataDir = mkdtempSync(join(tmpdir(), 'dsys-idle-'))
try {
  const {state} = await clusterUp({dataDir, host: '127.0.0.1', plans: SUBSYSTEMS.flatMap((s) => s.plan({})), healthTimeoutMs: 15_000})
  await waitForRaftLeader(state.nodes.filter((n) => n.kind === 'raft-node').map((n) => n.url))
  await sleep(SETTLE_MS)
  const before = state.nodes.map((n) => cpuTicks(n.pid))
  await sleep(DURATION_MS)
  const ticks = state.nodes.map((n, i) => cpuTicks(n.pid) - before[i])

  const kinds = [...new Set(state.nodes.map((n) => n.kind))]
  const rows = kinds.map((kind) => {
    const of = state.nodes.flatMap((n, i) => (n.kind === kind ? [ticks[i]] : []))
    const sum = of.reduce((a, b) => a + b, 0)
    return `| ${kind} | ${of.length} | ${of.join(', ')} | ${sum} | ${fmt(percentOfCore(sum), 1)}% |`
  })
  const total = ticks.reduce((a, b) => a + b, 0)
  const section = [
    '## Idle cluster',
    '',
    machineDescription(),
    '',
    `The default cluster (\`dsys cluster up\` with no flags: ${state.nodes.length} nodes) doing no work: CPU time of each node process (utime + stime from /proc/<pid>/stat, ${CLK_TCK} clock ticks a second) over ${DURATION_MS / 1000} s, after a Raft leader was elected and ${SETTLE_MS / 1000} s more. Nothing is sent to the nodes meanwhile. Produced by \`bench/idle-cpu.ts\`: \`npm run build && node dist/bench/idle-cpu.js\`.`,
    '',
    `| node kind | nodes | ticks per node | ticks | % of one core |`,
    '| --- | --- | --- | --- | --- |',
    ...rows,
    `| **total** | ${state.nodes.length} | | ${total} | ${fmt(percentOfCore(total), 1)}% |`,
    '',
    BASELINE,
  ].join('\n')
  mkdirSync('bench/results', {recursive: true})
  writeFileSync('bench/results/idle.md', section + '\n')
  process.stdout.write(section + '\n')
} finally {
  await clusterDown(dataDir, 2_000, true).catch(() => undefined)
  rmSync(dataDir, {recursive: true, force: true})
}
