/**
 * Lock benchmark, one run: the harness against autocannon (and wrk, if
 * installed) on a trivial endpoint, then dsys's lock server against a Redis
 * spin lock on the same harness. Writes bench/results/lock.md.
 *
 *   node dist/bench/lock/compare.js [--duration 5s]
 */
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {HttpGetWorkload} from '../../src/bench/http/http-workload.js'
import {DsysLockBackend} from '../../src/bench/lock/dsys-lock-backend.js'
import {LockBackend} from '../../src/bench/lock/lock-backend.js'
import {LockWorkload} from '../../src/bench/lock/lock-workload.js'
import {RedisLockBackend} from '../../src/bench/lock/redis-lock-backend.js'
import {SafetyReport} from '../../src/bench/lock/protected-resource.js'
import {LoadReport} from '../../src/bench/report.js'
import {runLoad} from '../../src/bench/run-load.js'
import {parseDurationMs} from '../../src/core/common/duration.js'
import {freePorts} from '../../src/runtime/cluster/ports.js'
import {lockSubsystem} from '../../src/runtime/cluster/subsystems.js'
import {clusterDown, clusterUp} from '../../src/runtime/cluster/supervisor.js'
import {fmt, machineDescription, median, medianRound, processCpuMicros, runWrk, startProcess, startTrivialEndpoint, tcpReady, verdict} from '../common.js'

const CLIENTS = 32
const durationArg = process.argv.indexOf('--duration')
const DURATION_MS = durationArg > 0 ? parseDurationMs(process.argv[durationArg + 1]) : 5_000
const WARMUP_MS = 1_000
const ROUNDS = 3

async function driverCalibration(): Promise<string[]> {
  process.stderr.write("calibrating the driver\n")
  const endpoint = await startTrivialEndpoint()
  const url = endpoint.url
  const seconds = Math.round(DURATION_MS / 1000)
  const ours: number[] = []
  const oursRaw: number[] = []
  const autocannon: number[] = []
  const wrk: number[] = []
  try {
    for (let round = 0; round < ROUNDS; round++) {
      ours.push((await runLoad(new HttpGetWorkload(url, CLIENTS, 'undici'), {clients: CLIENTS, durationMs: DURATION_MS, warmupMs: WARMUP_MS})).throughput)
      oursRaw.push((await runLoad(new HttpGetWorkload(url, CLIENTS, 'raw'), {clients: CLIENTS, durationMs: DURATION_MS, warmupMs: WARMUP_MS})).throughput)
      const ac = JSON.parse(execFileSync(process.execPath, ['node_modules/autocannon/autocannon.js', '-c', String(CLIENTS), '-d', String(seconds), '--json', url], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}))
      autocannon.push(ac.requests.total / (ac.duration || seconds))
      // wrk is optional here
      const w = runWrk(url, {threads: 1, connections: CLIENTS, seconds})
      if (w !== undefined) wrk.push(w.perSecond)
    }
  } finally {
    endpoint.stop()
  }
  const lines = [
    `### Harness against autocannon${wrk.length ? ' and wrk' : ''}: GET on a trivial node:http endpoint, ${CLIENTS} connections, ${seconds} s, ${ROUNDS} alternating rounds`,
    '',
    'The harness drives dsys through undici in the kv, ring and txn benchmarks, and through its raw-socket client (`RawHttpClient`) in the lock benchmark, whose handoffs on one lock all pass through the driver one after another.',
    '',
    '| driver | requests/s (median round) | rounds | undici harness / driver | raw-socket harness / driver |',
    '| --- | ---: | --- | ---: | ---: |',
  ]
  const drivers: Array<[string, number[]]> = [
    ['dsys harness, undici dispatch (one event loop)', ours],
    ['dsys harness, raw sockets (one event loop)', oursRaw],
    ['autocannon', autocannon],
  ]
  if (wrk.length) drivers.push(['wrk -t1', wrk])
  for (const [name, runs] of drivers) {
    lines.push(`| ${name} | ${fmt(median(runs))} | ${runs.map((x) => fmt(x)).join(', ')} | ${(median(ours) / median(runs)).toFixed(2)} | ${(median(oursRaw) / median(runs)).toFixed(2)} |`)
  }
  lines.push('')
  for (const [harness, runs] of [['undici', ours], ['raw-socket', oursRaw]] as const) {
    lines.push(verdict(`the ${harness} harness within 80% of autocannon`, median(runs) / median(autocannon), 0.8, '≥'))
    if (wrk.length) lines.push(verdict(`the ${harness} harness within 80% of wrk`, median(runs) / median(wrk), 0.8, '≥'))
  }
  return lines
}

/** One measured run, with the CPU the server spent per acquisition over the whole round (the driver's is in the report). */
interface Round {
  report: LoadReport
  serverCpuUs: number | undefined
}

interface Scenario {
  label: string
  locks: number
  holdMs: number
}

const SCENARIOS: Scenario[] = [
  {label: '(a) 1 lock, hold 0', locks: 1, holdMs: 0},
  {label: '(b) 1000 locks, hold 0', locks: 1000, holdMs: 0},
  {label: '(c) 1 lock, hold 1ms', locks: 1, holdMs: 1},
]

async function lockComparison(): Promise<string[]> {
  process.stderr.write("comparing dsys and redis locks\n")
  const dataDir = mkdtempSync(join(tmpdir(), 'dsys-bench-lock-'))
  const [redisPort] = await freePorts('127.0.0.1', 1)
  const redis = await startProcess('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no'], () => tcpReady(redisPort))
  const {state} = await clusterUp({dataDir, host: '127.0.0.1', plans: lockSubsystem.plan({}), healthTimeoutMs: 15_000})
  const rows: string[] = []
  const cpuRows: string[] = []
  const ratios: string[] = []
  const targets: string[] = []
  try {
    for (const s of SCENARIOS) {
      const run = async (backend: LockBackend, serverPid: number | undefined): Promise<Round> => {
        const workload = new LockWorkload(backend, {clients: CLIENTS, locks: s.locks, holdMs: s.holdMs, ttlMs: 5000, waitMs: 10_000, seed: 1})
        const before = processCpuMicros(serverPid)
        const report = await runLoad(workload, {clients: CLIENTS, durationMs: DURATION_MS, warmupMs: WARMUP_MS})
        const after = processCpuMicros(serverPid)
        const serverCpuUs = before === undefined || after === undefined ? undefined : (after - before) / Math.max(1, report.acquisitions as number)
        return {report, serverCpuUs}
      }
      const dsysRuns: Round[] = []
      const redisRuns: Round[] = []
      for (let round = 0; round < ROUNDS; round++) {
        process.stderr.write(`${s.label}: round ${round + 1} of ${ROUNDS}\n`)
        dsysRuns.push(await run(new DsysLockBackend(state.nodes[0].url, CLIENTS), state.nodes[0].pid))
        const redisBackend = new RedisLockBackend(`redis://127.0.0.1:${redisPort}`, 1)
        await redisBackend.preflight()
        redisRuns.push(await run(redisBackend, redis.pid))
      }
      rows.push(row(s.label, 'dsys', dsysRuns), row(s.label, 'redis (spin, 1ms retry)', redisRuns))
      const ratio = (pick: (r: LoadReport) => number) => median(dsysRuns.map((x) => pick(x.report))) / median(redisRuns.map((x) => pick(x.report)))
      const throughput = ratio((r) => r.throughput)
      const p999 = ratio((r) => r.histograms.acquire.p999)
      cpuRows.push(cpuRow(s.label, 'dsys', dsysRuns), cpuRow(s.label, 'redis (spin, 1ms retry)', redisRuns))
      if (s.locks === 1 && s.holdMs === 0) {
        targets.push(
          verdict('one contended lock: dsys acquisitions/s ≥ Redis', throughput, 1, '≥'),
          verdict('one contended lock: fairness ≥ 0.9', median(dsysRuns.map((r) => r.report.fairness as number)), 0.9, '≥'),
          verdict('one contended lock: dsys acquire p99.9 ≤ 1/20 of Redis', p999, 0.05, '≤'),
        )
      }
      if (s.locks === 1000) targets.push(verdict('1000 locks: dsys acquisitions/s ≥ 0.7 × Redis', throughput, 0.7, '≥'))
      ratios.push(`| ${s.label} | ${throughput.toFixed(2)} | ${p999.toFixed(3)} | ${ratio((r) => r.histograms.acquire.max).toFixed(3)} |`)
    }
  } finally {
    await clusterDown(dataDir, 1000, true)
    rmSync(dataDir, {recursive: true, force: true})
    redis.kill('SIGKILL')
  }
  return [
    `### dsys lock server against a Redis spin lock: ${CLIENTS} clients, ${DURATION_MS / 1000} s after ${WARMUP_MS / 1000} s warmup, same harness`,
    '',
    'Acquire latency is from sending the acquire to the grant (queueing on the dsys server; retrying for Redis). Fairness is Jain\'s index over per-client acquisitions. Violations come from the harness\'s protected resource (overlapping holds, non-increasing tokens).',
    '',
    `Each cell ran ${ROUNDS} times, dsys and Redis alternating; the table shows the round with the median acquisitions/s (every round's beside it), violations summed over all rounds. Ratios are of per-metric medians.`,
    '',
    '| scenario | target | acquisitions/s | rounds | acquire p50 | p99 | p99.9 | max (ms) | fairness | timeouts | violations | fencing |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    'CPU per acquisition: what the server process spent (from /proc, over the whole round, warmup included, divided by every acquisition in it) and what the driver process spent, harness and client library (the report\'s `driver`, over the measured time; one operation is one acquisition and its release); median of the rounds. Both share the two cores, so a cheaper pair of processes is what lets more acquisitions through.',
    '',
    '| scenario | target | server CPU µs per acquisition | driver CPU µs per acquisition | together |',
    '| --- | --- | ---: | ---: | ---: |',
    ...cpuRows,
    '',
    '| scenario | dsys/redis acquisitions/s | dsys/redis acquire p99.9 | dsys/redis acquire max |',
    '| --- | ---: | ---: | ---: |',
    ...ratios,
    '',
    'Targets (issue 2), from this run:',
    '',
    ...targets,
  ]
}

/** The round with the median throughput, with every round's acquisitions/s beside it. */
function row(label: string, target: string, rounds: Round[]): string {
  const runs = rounds.map((x) => x.report)
  const r = medianRound(runs, (x) => x.throughput)
  const a = r.histograms.acquire
  const safety = r.safety as SafetyReport
  const violations = runs.reduce((sum, x) => sum + (x.safety as SafetyReport).violations, 0)
  return `| ${label} | ${target} | ${fmt(r.throughput)} | ${runs.map((x) => fmt(x.throughput)).join(', ')} | ${a.p50} | ${a.p99} | ${a.p999} | ${a.max} | ${(r.fairness as number).toFixed(3)} | ${r.errorsByKind.timeout ?? 0} | ${violations} | ${safety.fencing ? 'tokens' : 'none'} |`
}

function cpuRow(label: string, target: string, rounds: Round[]): string {
  const server = rounds.every((x) => x.serverCpuUs !== undefined) ? median(rounds.map((x) => x.serverCpuUs!)) : undefined
  const client = median(rounds.map((x) => x.report.driver.cpuMicrosPerOp))
  const together = server === undefined ? 'n/a' : fmt(server + client, 1)
  return `| ${label} | ${target} | ${server === undefined ? 'n/a (no /proc)' : fmt(server, 1)} | ${fmt(client, 1)} | ${together} |`
}

const sections = ['## Lock server', '', machineDescription(), '', ...(await driverCalibration()), '', ...(await lockComparison()), '']
mkdirSync('bench/results', {recursive: true})
writeFileSync('bench/results/lock.md', sections.join('\n'))
process.stdout.write(sections.join('\n') + '\n')
