/**
 * Consensus protocols side by side (issue 15): dsys's Raft KV, its
 * Multi-Paxos KV (3 replicas, majority quorums; 5 replicas, Flexible Paxos
 * q1 4, q2 2) and etcd, on one harness, fsync on, every client sent to the
 * leader: write-only and 50% reads at 1, 16, 64 and 256 clients, the targets
 * alternating within each round; then kill -9 of the leader under 8 writers,
 * the targets alternating again. Writes bench/results/kv-protocols.md.
 *
 *   node dist/bench/kv/protocols.js [--duration 3s] [--warmup 1s] [--rounds 3] [--clients 1,16,64,256] [--failover-rounds 5] [--targets raft,paxos,fpaxos,etcd] [--quick]
 *
 * --quick (or BENCH_QUICK=1) is a smoke run of about a minute: 1 round at 1
 * and 64 clients, 1 s each, one failover round. Needs `etcd` on PATH for the
 * etcd target (Debian: apt-get install etcd-server) and a build (npm run build).
 */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {setTimeout as sleep} from 'node:timers/promises'

import {DsysKvTarget} from '../../src/bench/kv/dsys-kv-target.js'
import {EtcdKvTarget} from '../../src/bench/kv/etcd-kv-target.js'
import type {KvTarget} from '../../src/bench/kv/kv-target.js'
import {KvWorkload} from '../../src/bench/kv/kv-workload.js'
import type {LoadReport} from '../../src/bench/report.js'
import {runLoad} from '../../src/bench/run-load.js'
import {resolveKvTarget} from '../../src/cli/kv-targets.js'
import {address} from '../../src/cli/targets.js'
import {parseDurationMs} from '../../src/core/common/duration.js'
import type {NodeRecord} from '../../src/runtime/cluster/cluster-state.js'
import {fetchHealth, probeHealth} from '../../src/runtime/cluster/health.js'
import {PEER_SUBSYSTEMS} from '../../src/runtime/cluster/peers/peers.js'
import {type NodePlan, paxosSubsystem, raftSubsystem} from '../../src/runtime/cluster/subsystems.js'
import {clusterDown, clusterUp, killNode, restartNode} from '../../src/runtime/cluster/supervisor.js'
import {fmt, machineDescription, median, processCpuMicros, verdict} from '../common.js'
import {failoverTrial} from './failover.js'

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1'
const DURATION_MS = parseDurationMs(arg('--duration') ?? (QUICK ? '1s' : '3s'))
const WARMUP_MS = parseDurationMs(arg('--warmup') ?? (QUICK ? '500ms' : '1s'))
const ROUNDS = Number(arg('--rounds') ?? (QUICK ? 1 : 3))
const CLIENTS = (arg('--clients') ?? (QUICK ? '1,64' : '1,16,64,256')).split(',').map(Number)
const FAILOVER_ROUNDS = Number(arg('--failover-rounds') ?? (QUICK ? 1 : 5))
const MIXES = [
  {label: 'write-only', readRatio: 0},
  {label: '50% reads', readRatio: 0.5},
]
const OP_TIMEOUT_MS = 10_000
const FAILOVER_WRITERS = 8
/** etcd failover writers give up on one request after this long and try the next member, as in compare-etcd.ts. */
const ETCD_ATTEMPT_TIMEOUT_MS = 100
const LEADER_WAIT_MS = 30_000
/** The concurrency of the issue's Multi-Paxos vs Raft target. */
const PAXOS_TARGET_CLIENTS = 64

/** Every target, by the name --targets takes, in table order; raft is the baseline of every ratio. */
const ALL_TARGETS = ['raft', 'paxos', 'fpaxos', 'etcd'] as const
type TargetName = (typeof ALL_TARGETS)[number]
const TARGETS = (arg('--targets')?.split(',') ?? [...ALL_TARGETS]) as TargetName[]
const unknown = TARGETS.filter((t) => !ALL_TARGETS.includes(t))
if (unknown.length > 0) throw new Error(`--targets: unknown ${unknown.join(', ')}; known: ${ALL_TARGETS.join(', ')}`)
const BASE: TargetName = 'raft'

interface Target {
  name: TargetName
  /** Replicas and quorums, for the tables. */
  what: string
  /** Where its cluster runs: the 5-replica Paxos group has a data dir of its own, so its replicas keep the names paxos-1..5. */
  dataDir: string
  /** Its name for resolveKvTarget in dataDir. */
  kind: 'raft' | 'paxos' | 'etcd'
}

/** One measured run and the servers' counters over its measured window. */
interface Run {
  report: LoadReport
  server: Record<string, number>
}

const FLEX = {size: 5, q1: 4, q2: 2}
const etcdSubsystem = PEER_SUBSYSTEMS.find((s) => s.name === 'etcd')!

/** Starts the clusters the targets need (one with Raft, Paxos and etcd; one with the flexible Paxos group), taken down after. */
async function withClusters<T>(body: (targets: Target[]) => Promise<T>): Promise<T> {
  const main = mkdtempSync(join(tmpdir(), 'dsys-bench-protocols-'))
  const flex = mkdtempSync(join(tmpdir(), 'dsys-bench-protocols-flex-'))
  const all: Record<TargetName, {target: Target; plans: NodePlan[]}> = {
    raft: {target: {name: 'raft', what: 'dsys Raft, 3 replicas, commit quorum 2', dataDir: main, kind: 'raft'}, plans: raftSubsystem.plan({size: 3})},
    paxos: {target: {name: 'paxos', what: 'dsys Multi-Paxos, 3 replicas, q1 = q2 = 2 (majorities)', dataDir: main, kind: 'paxos'}, plans: paxosSubsystem.plan({size: 3})},
    fpaxos: {target: {name: 'fpaxos', what: `dsys Flexible Paxos, ${FLEX.size} replicas, q1 ${FLEX.q1}, q2 ${FLEX.q2}`, dataDir: flex, kind: 'paxos'}, plans: paxosSubsystem.plan(FLEX)},
    etcd: {target: {name: 'etcd', what: 'etcd, 3 members, quorum 2', dataDir: main, kind: 'etcd'}, plans: etcdSubsystem.plan({size: 3})},
  }
  const chosen = TARGETS.map((t) => all[t])
  const started: string[] = []
  try {
    for (const dataDir of [main, flex]) {
      const plans = chosen.filter((c) => c.target.dataDir === dataDir).flatMap((c) => c.plans)
      if (plans.length === 0) continue
      process.stderr.write(`starting ${plans.map((p) => p.name).join(', ')} in ${dataDir}\n`)
      started.push(dataDir)
      await clusterUp({dataDir, host: '127.0.0.1', plans, healthTimeoutMs: 60_000})
    }
    const targets = chosen.map((c) => c.target)
    for (const t of targets) await leaderOf(t)
    return await body(targets)
  } finally {
    for (const dataDir of started) await clusterDown(dataDir, 1_000, true)
    for (const dataDir of [main, flex]) rmSync(dataDir, {recursive: true, force: true})
  }
}

/** The target's leader as its nodes' health says (cluster.json read afresh: restarts change pids). */
async function leaderOf(t: Target): Promise<NodeRecord> {
  const deadline = performance.now() + LEADER_WAIT_MS
  while (performance.now() < deadline) {
    const nodes = resolveKvTarget(t.kind, t.dataDir).nodes
    const healths = await Promise.all(nodes.map((n) => probeHealth(n)))
    const i = healths.findIndex((h) => h?.role === 'leader')
    if (i >= 0) return nodes[i]
    await sleep(20)
  }
  throw new Error(`${t.name}: no leader within ${LEADER_WAIT_MS} ms`)
}

/**
 * The target a load run drives: every client at the leader (dsys clients
 * follow the first redirect and stay; etcd clients are given the leader's
 * endpoint alone), counted on every member, with the members' CPU.
 */
async function openTarget(t: Target, clients: number): Promise<KvTarget> {
  const spec = resolveKvTarget(t.kind, t.dataDir)
  if (spec.kind === 'dsys') {
    const dsys = new DsysKvTarget(spec.urls, clients, OP_TIMEOUT_MS)
    return counted(dsys, dsys, spec.nodes)
  }
  const leader = await leaderOf(t)
  return counted(new EtcdKvTarget(`etcd://${address(leader.url)}`, clients, OP_TIMEOUT_MS), new EtcdKvTarget(spec.target, 1, OP_TIMEOUT_MS), spec.nodes)
}

/** `serving`'s clients with `counting`'s counters (every member), plus the peer messages replicas send in answers and the members' CPU. */
function counted(serving: KvTarget, counting: KvTarget, nodes: NodeRecord[]): KvTarget {
  return {
    name: serving.name,
    preflight: () => serving.preflight(),
    client: (i) => serving.client(i),
    counters: async () => ({...(await counting.counters()), ...(await answerCounters(nodes)), ...cpuCounter(nodes)}),
    close: async () => {
      await serving.close()
      if (counting !== serving) await counting.close()
    },
  }
}

/**
 * dsys replicas answer a peer's POST with their own messages to it (an
 * accept's accepted, an append's response): DsysKvTarget counts only the
 * messages sent in POSTs, so these are added here. etcd exports no message count.
 */
async function answerCounters(nodes: NodeRecord[]): Promise<Record<string, number>> {
  if (nodes.some((n) => n.kind === 'etcd')) return {}
  const healths = await Promise.all(nodes.map((n) => fetchHealth(n.url, 2_000)))
  return {messagesInAnswers: healths.reduce((sum, h) => sum + ((h?.counters as Record<string, number> | undefined)?.messagesInAnswers ?? 0), 0)}
}

/** Every member's CPU time so far (µs), when /proc has it for all. */
function cpuCounter(nodes: NodeRecord[]): Record<string, number> {
  const micros = nodes.map((n) => processCpuMicros(n.pid))
  return micros.every((m) => m !== undefined) ? {serverCpuMicros: micros.reduce((a, b) => a + b, 0)} : {}
}

async function loadRun(t: Target, clients: number, readRatio: number): Promise<Run> {
  const target = await openTarget(t, clients)
  const workload = new KvWorkload(target, {readRatio, keys: 10_000, dist: 'uniform', zipfTheta: 0.99, valueSize: 100, seed: 1})
  const report = await runLoad(workload, {clients, durationMs: DURATION_MS, warmupMs: WARMUP_MS})
  process.stderr.write(`  ${t.name}: ${report.throughput.toFixed(0)} ops/s, p99 ${report.latencyMs.p99} ms, errors ${report.errors}\n`)
  return {report, server: report.server as Record<string, number>}
}

const key = (mix: string, clients: number, t: TargetName) => `${mix}/${clients}/${t}`

async function comparison(targets: Target[]): Promise<string[]> {
  const runs = new Map<string, Run[]>()
  for (const mix of MIXES) {
    for (const clients of CLIENTS) {
      for (let round = 0; round < ROUNDS; round++) {
        process.stderr.write(`${mix.label}, ${clients} clients: round ${round + 1} of ${ROUNDS}\n`)
        for (const t of targets) runs.set(key(mix.label, clients, t.name), [...(runs.get(key(mix.label, clients, t.name)) ?? []), await loadRun(t, clients, mix.readRatio)])
      }
    }
  }
  const of = (mix: string, clients: number, t: TargetName) => runs.get(key(mix, clients, t))
  const m = (mix: string, clients: number, t: TargetName, pick: (r: Run) => number) => median(of(mix, clients, t)!.map(pick))
  const throughput = (r: Run) => r.report.throughput
  const p99 = (r: Run) => r.report.latencyMs.p99

  const tables = MIXES.flatMap((mix) => [
    `#### ${mix.label}`,
    '',
    `| clients | target | ops/s | rounds | ÷ ${BASE} ops/s | p99 ÷ ${BASE} | write p50 | write p99 | read p50 | read p99 (ms) | errors | peer msgs/op | peer POSTs/op | fsyncs/write | writes/entry | server CPU µs/op |`,
    '| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...CLIENTS.flatMap((clients) =>
      targets.map((t) => {
        const ratio = (pick: (r: Run) => number) => (of(mix.label, clients, BASE) ? (m(mix.label, clients, t.name, pick) / m(mix.label, clients, BASE, pick)).toFixed(2) : 'n/a')
        return row(clients, t.name, of(mix.label, clients, t.name)!, ratio(throughput), ratio(p99))
      }),
    ),
    '',
  ])

  const has = (t: TargetName) => TARGETS.includes(t)
  const targetLines: string[] = []
  for (const mix of MIXES) {
    for (const clients of CLIENTS) {
      const ratio = (a: TargetName, b: TargetName, pick: (r: Run) => number) => m(mix.label, clients, a, pick) / m(mix.label, clients, b, pick)
      const cell = `${mix.label}, ${clients} clients`
      if (has('raft') && has('etcd')) {
        targetLines.push(verdict(`${cell}: Raft / etcd ops/s ≥ 1`, ratio('raft', 'etcd', throughput), 1, '≥', 2))
        targetLines.push(verdict(`${cell}: Raft / etcd p99 ≤ 1`, ratio('raft', 'etcd', p99), 1, '≤', 2))
      }
      if (has('paxos') && has('etcd')) targetLines.push(verdict(`${cell}: Multi-Paxos / etcd ops/s ≥ 1`, ratio('paxos', 'etcd', throughput), 1, '≥', 2))
      if (has('paxos') && has('raft') && clients === PAXOS_TARGET_CLIENTS) {
        targetLines.push(verdict(`${cell}: Multi-Paxos / Raft ops/s ≥ 0.9`, ratio('paxos', 'raft', throughput), 0.9, '≥', 2))
      }
    }
  }
  return [...tables, 'Targets (issue 15), from the medians of this run:', '', ...(targetLines.length > 0 ? targetLines : ['- none measured: they need raft with etcd or paxos']), '', ...costLines(of)]
}

/** A server counter's delta over the measured window, per unit; undefined when not counted. */
function per(r: Run, counters: string[], unit: number): number | undefined {
  if (unit === 0 || counters.some((c) => r.server[c] === undefined)) return undefined
  return counters.reduce((sum, c) => sum + r.server[c], 0) / unit
}

const ops = (r: Run) => r.report.ops
const writes = (r: Run) => r.report.operations.write?.ops ?? 0
const peerMessagesPerOp = (r: Run) => per(r, ['messagesSent', 'messagesInAnswers'], ops(r))
const peerPostsPerOp = (r: Run) => per(r, ['peerRequests'], ops(r))
const fsyncsPerWrite = (r: Run) => per(r, ['fsyncs'], writes(r))
const writesPerEntry = (r: Run) => (r.server.committedEntries ? writes(r) / r.server.committedEntries : undefined)
const cpuPerOp = (r: Run) => per(r, ['serverCpuMicros'], ops(r))
const show = (n: number | undefined, digits: number) => (n === undefined ? 'n/a' : fmt(n, digits))
/** The median over the rounds of a per-run cost, or undefined when a round did not count it. */
const medianOf = (rounds: Run[], pick: (r: Run) => number | undefined): number | undefined => {
  const xs = rounds.map(pick)
  return xs.every((x) => x !== undefined) ? median(xs as number[]) : undefined
}

/** The round with the median throughput; the costs are each the median over the rounds. */
function row(clients: number, target: TargetName, rounds: Run[], throughputRatio: string, p99Ratio: string): string {
  const r = rounds.find((x) => x.report.throughput === median(rounds.map((y) => y.report.throughput)))!.report
  const w = r.operations.write?.latencyMs
  const rd = r.operations.read?.latencyMs
  const lat = (x: number | undefined) => (x === undefined ? 'n/a' : fmt(x, 2))
  const errors = Object.entries(r.errorsByKind).map(([k, v]) => `${k} ${v}`).join(', ') || '0'
  return [
    '',
    clients,
    target,
    fmt(r.throughput),
    rounds.map((x) => fmt(x.report.throughput)).join(', '),
    throughputRatio,
    p99Ratio,
    lat(w?.p50),
    lat(w?.p99),
    lat(rd?.p50),
    lat(rd?.p99),
    errors,
    show(medianOf(rounds, peerMessagesPerOp), 2),
    show(medianOf(rounds, peerPostsPerOp), 2),
    show(medianOf(rounds, fsyncsPerWrite), 3),
    show(medianOf(rounds, writesPerEntry), 1),
    show(medianOf(rounds, cpuPerOp), 0),
    '',
  ].join(' | ').trim()
}

/** The costs the explanation quotes, at the issue's 64 clients (or the nearest measured), write-only. */
function costLines(of: (mix: string, clients: number, t: TargetName) => Run[] | undefined): string[] {
  const clients = CLIENTS.reduce((best, c) => (Math.abs(c - PAXOS_TARGET_CLIENTS) < Math.abs(best - PAXOS_TARGET_CLIENTS) ? c : best))
  const lines = TARGETS.map((t) => {
    const rounds = of('write-only', clients, t)!
    return `| ${t} | ${show(medianOf(rounds, peerMessagesPerOp), 2)} | ${show(medianOf(rounds, peerPostsPerOp), 2)} | ${show(medianOf(rounds, fsyncsPerWrite), 3)} | ${show(medianOf(rounds, writesPerEntry), 1)} | ${show(medianOf(rounds, cpuPerOp), 0)} |`
  })
  return [
    `Cost per write, write-only at ${clients} clients (medians of the rounds):`,
    '',
    '| target | peer msgs/write | peer POSTs/write | fsyncs/write | writes/entry | server CPU µs/write |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...lines,
  ]
}

/** kill -9 of each target's leader under 8 writers, the targets alternating; the victim restarts after each trial. */
async function failovers(targets: Target[]): Promise<Map<TargetName, number[]>> {
  const windows = new Map<TargetName, number[]>()
  for (let round = 0; round < FAILOVER_ROUNDS; round++) {
    for (const t of targets) {
      const ms = await failover(t, round)
      process.stderr.write(`kill -9 round ${round + 1} of ${FAILOVER_ROUNDS}: ${t.name}: ${Number.isFinite(ms) ? ms.toFixed(0) : 'no write'} ms\n`)
      windows.set(t.name, [...(windows.get(t.name) ?? []), ms])
    }
  }
  return windows
}

/** One trial: ms from the kill to the first write sent after it being acknowledged (Infinity: none within failover.ts's limit). */
async function failover(t: Target, trial: number): Promise<number> {
  const spec = resolveKvTarget(t.kind, t.dataDir)
  // Writers need every member here: the leader's endpoint alone would have nobody to turn to.
  const target = spec.kind === 'dsys' ? new DsysKvTarget(spec.urls, FAILOVER_WRITERS, OP_TIMEOUT_MS) : new EtcdKvTarget(spec.target, FAILOVER_WRITERS, OP_TIMEOUT_MS, ETCD_ATTEMPT_TIMEOUT_MS)
  const victim = (await leaderOf(t)).name
  try {
    return (await failoverTrial(target, trial, async () => victim, (name) => killNode(t.dataDir, name, 'KILL'))).windowMs
  } catch (err) {
    process.stderr.write(`${t.name}: ${(err as Error).message}\n`)
    return Infinity
  } finally {
    await target.close()
    await restartNode(t.dataDir, victim, 1_000, LEADER_WAIT_MS)
    await leaderOf(t)
  }
}

/** The election settings each target runs with, from its first node's /health (dsys) or etcd's defaults. */
async function settingsLines(targets: Target[]): Promise<string[]> {
  const timing = ['tickMs', 'electionTicks', 'heartbeatTicks'] as const
  const seen = new Map<TargetName, Record<string, unknown>>()
  const rows: string[] = []
  for (const t of targets) {
    const nodes = resolveKvTarget(t.kind, t.dataDir).nodes
    if (t.kind === 'etcd') {
      rows.push(`| ${t.name} | ${t.what} | 100 ms heartbeat, 1000 ms election timeout (etcd defaults) |`)
      continue
    }
    const settings = ((await fetchHealth(nodes[0].url, 2_000))?.settings ?? {}) as Record<string, unknown>
    seen.set(t.name, settings)
    rows.push(`| ${t.name} | ${t.what} | ${Object.entries(settings).map(([k, v]) => `${k} ${v}`).join(', ')} |`)
  }
  const dsys = [...seen.values()]
  const same = dsys.every((s) => timing.every((k) => s[k] === dsys[0][k]))
  return [
    '| target | what | settings (from /health) |',
    '| --- | --- | --- |',
    ...rows,
    '',
    `Election timing on the dsys targets (${timing.join(', ')}): ${same ? 'the same on all' : 'DIFFERENT, so the failover rows do not compare'}.`,
  ]
}

function failoverLines(windows: Map<TargetName, number[]>): string[] {
  const ms = (x: number) => (Number.isFinite(x) ? fmt(x) : 'none')
  return [
    `| target | ms from kill -9 to the next acknowledged write (median) | rounds |`,
    '| --- | ---: | --- |',
    ...[...windows].map(([t, w]) => `| ${t} | ${ms(median(w))} | ${w.map(ms).join(', ')} |`),
  ]
}

const loadAtStart = loadavg()
const sections = await withClusters(async (targets) => {
  const settings = await settingsLines(targets)
  const compared = await comparison(targets)
  const windows = await failovers(targets)
  return [
    '## Consensus protocols side by side: Raft, Multi-Paxos, Flexible Paxos, etcd',
    '',
    machineDescription(),
    `- load average (1 min) ${loadAtStart[0].toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end: the machine is shared, and its other work lands on every target alike only because the targets alternate`,
    `- produced by \`node dist/bench/kv/protocols.js ${process.argv.slice(2).join(' ')}\`${QUICK ? ' (quick mode: a smoke run, not a measurement)' : ''}`,
    '',
    `Produced by \`bench/kv/protocols.ts\`. One local cluster runs dsys's Raft KV, its Multi-Paxos KV and etcd; the 5-replica Flexible Paxos group runs in a second data directory beside it. Every target has fsync on. The same harness (\`runLoad\` and the kv workload: closed loop, 10,000 keys uniform, 100-byte values, linearizable reads) drives ${CLIENTS.join(', ')} clients, write-only and 50% reads, ${DURATION_MS / 1000} s measured after ${WARMUP_MS / 1000} s warmup; in each of ${ROUNDS} rounds the targets run one after another in table order, so a slow moment of the machine falls on all of them. Every client is at the leader: dsys clients are given every replica, follow the first redirect and stay with the leader; etcd clients are given the leader's endpoint alone (found by its /v3/maintenance/status).`,
    '',
    ...settings,
    '',
    `### Throughput and latency: ${ROUNDS} rounds, alternating`,
    '',
    `Each row is the round with the median ops/s, every round's beside it; the ratios divide the medians over the rounds by ${BASE}'s (ops/s above 1: more than ${BASE}; p99 below 1: lower than ${BASE}'s, the p99 of all operations). Costs are medians over the rounds, counted by the servers over the measured window on every member: peer msgs are protocol messages between replicas (in POSTs and in their answers), peer POSTs the HTTP requests that carry them; fsyncs are WAL fsyncs on all members per client write; writes/entry is client writes per committed log entry (slot), the batching; server CPU is every member's per operation. etcd exports no peer message count (n/a), and its committed entries are proposals, one per write.`,
    '',
    ...compared,
    '',
    `### Failover: kill -9 of the leader under ${FAILOVER_WRITERS} writers, ${FAILOVER_ROUNDS} rounds, alternating`,
    '',
    `From the SIGKILL to the first write sent after it being acknowledged (bench/kv/failover.ts); the victim restarts after each trial and the cluster has a leader again before the next. Writers are given every member here; etcd writers give up on a request after ${ETCD_ATTEMPT_TIMEOUT_MS} ms and try the next member (otherwise a put forwarded by a member that lost its leader waits etcd's 7 s request timeout). etcd runs its own election timeout (1000 ms), so its row is a reference, not a like-for-like comparison.`,
    '',
    ...failoverLines(windows),
    '',
  ]
})
mkdirSync('bench/results', {recursive: true})
writeFileSync('bench/results/kv-protocols.md', sections.join('\n'))
process.stdout.write(sections.join('\n') + '\n')
