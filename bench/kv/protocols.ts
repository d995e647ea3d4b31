/**
 * Consensus protocols side by side (issue 15): dsys's Raft KV, its
 * Multi-Paxos KV (3 replicas, majority quorums; 5 replicas, Flexible Paxos
 * q1 4, q2 2) and etcd, on one harness, fsync on, every client sent to the
 * leader: write-only and 50% reads at 1, 16, 64 and 256 clients, the targets
 * alternating within each round; then kill -9 of the leader under 8 writers,
 * the targets alternating again. Writes bench/results/kv-protocols.md.
 *
 *   node dist/bench/kv/protocols.js [--duration 3s] [--warmup 1s] [--rounds 3] [--clients 1,16,64,256] [--failover-rounds 5] [--targets raft,paxos,fpaxos,etcd] [--out bench/results/kv-protocols.md] [--quick]
 *
 * --quick (or BENCH_QUICK=1) is a smoke run of about a minute: 1 round at 1
 * and 64 clients, 1 s each, one failover round. Needs `etcd` on PATH for the
 * etcd target (Debian: apt-get install etcd-server) and a build (npm run build).
 */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
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
import {fmt, machineDescription, median, medianRound, processCpuMicros, verdict} from '../common.js'
import {failoverTrial} from './failover.js'

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1'
const DURATION_MS = parseDurationMs(arg('--duration') ?? (QUICK ? '1s' : '3s'))
const WARMUP_MS = parseDurationMs(arg('--warmup') ?? (QUICK ? '500ms' : '1s'))
/**
 * Before the first measured cell, each target runs this long unmeasured at
 * 64 clients: a fresh Node process runs its hot paths interpreted until V8
 * has compiled them, which a few hundred one-client operations do not
 * reach, while etcd is compiled ahead of time.
 */
const PREWARM_MS = QUICK ? 1_000 : 5_000
const PREWARM_CLIENTS = 64
const ROUNDS = Number(arg('--rounds') ?? (QUICK ? 1 : 3))
const CLIENTS = (arg('--clients') ?? (QUICK ? '1,64' : '1,16,64,256')).split(',').map(Number)
const FAILOVER_ROUNDS = Number(arg('--failover-rounds') ?? (QUICK ? 1 : 5))
const OUT = arg('--out') ?? 'bench/results/kv-protocols.md'
const MIXES = [
  {label: 'write-only', readRatio: 0},
  {label: '50% reads', readRatio: 0.5},
]
const OP_TIMEOUT_MS = 10_000
const FAILOVER_WRITERS = 8
/** etcd failover writers give up on one request after this long and try the next member, as in compare-etcd.ts. */
const ETCD_ATTEMPT_TIMEOUT_MS = 100
const LEADER_WAIT_MS = 30_000
/** How often a failover trial asks the survivors whether one leads: the resolution of "ms to a new leader". */
const ELECTION_POLL_MS = 10
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

/** `serving`'s clients with `counting`'s counters (every member; DsysKvTarget's include the peer messages sent in answers), plus the members' CPU. */
function counted(serving: KvTarget, counting: KvTarget, nodes: NodeRecord[]): KvTarget {
  return {
    name: serving.name,
    preflight: () => serving.preflight(),
    client: (i) => serving.client(i),
    counters: async () => ({...(await counting.counters()), ...cpuCounter(nodes)}),
    close: async () => {
      await serving.close()
      if (counting !== serving) await counting.close()
    },
  }
}

/** Every member's CPU time so far (µs), when /proc has it for all. */
function cpuCounter(nodes: NodeRecord[]): Record<string, number> {
  const micros = nodes.map((n) => processCpuMicros(n.pid))
  return micros.every((m) => m !== undefined) ? {serverCpuMicros: micros.reduce((a, b) => a + b, 0)} : {}
}

async function loadRun(t: Target, clients: number, readRatio: number, durationMs = DURATION_MS): Promise<Run> {
  const target = await openTarget(t, clients)
  const workload = new KvWorkload(target, {readRatio, keys: 10_000, dist: 'uniform', zipfTheta: 0.99, valueSize: 100, seed: 1})
  const report = await runLoad(workload, {clients, durationMs, warmupMs: WARMUP_MS})
  process.stderr.write(`  ${t.name}: ${report.throughput.toFixed(0)} ops/s, p99 ${report.latencyMs.p99} ms, errors ${report.errors}\n`)
  return {report, server: report.server as Record<string, number>}
}

const clientsLabel = (n: number) => `${n} client${n === 1 ? '' : 's'}`

/** Every measured run, by mix, client count and target, in round order. */
class Runs {
  private readonly byCell = new Map<string, Run[]>()

  add(mix: string, clients: number, t: TargetName, run: Run): void {
    const key = `${mix}/${clients}/${t}`
    this.byCell.set(key, [...(this.byCell.get(key) ?? []), run])
  }

  of(mix: string, clients: number, t: TargetName): Run[] {
    const runs = this.byCell.get(`${mix}/${clients}/${t}`)
    if (runs === undefined) throw new Error(`no run of ${t} at ${clientsLabel(clients)}, ${mix}`)
    return runs
  }

  /** The median over the rounds of `pick` (undefined when a round did not count it). */
  median(mix: string, clients: number, t: TargetName, pick: (r: Run) => number | undefined): number | undefined {
    return medianOf(this.of(mix, clients, t), pick)
  }

  /** a's median over b's, or undefined when either is not counted. */
  ratio(mix: string, clients: number, a: TargetName, b: TargetName, pick: (r: Run) => number | undefined): number | undefined {
    const [x, y] = [this.median(mix, clients, a, pick), this.median(mix, clients, b, pick)]
    return x === undefined || y === undefined ? undefined : x / y
  }
}

/** Every mix at every concurrency, ROUNDS rounds, the targets alternating within each round. */
async function measure(targets: Target[]): Promise<Runs> {
  const runs = new Runs()
  process.stderr.write(`prewarm: each target ${PREWARM_MS / 1000} s at ${clientsLabel(PREWARM_CLIENTS)}, not measured\n`)
  for (const t of targets) await loadRun(t, PREWARM_CLIENTS, 0.5, PREWARM_MS)
  for (const mix of MIXES) {
    for (const clients of CLIENTS) {
      for (let round = 0; round < ROUNDS; round++) {
        process.stderr.write(`${mix.label}, ${clientsLabel(clients)}: round ${round + 1} of ${ROUNDS}\n`)
        for (const t of targets) runs.add(mix.label, clients, t.name, await loadRun(t, clients, mix.readRatio))
      }
    }
  }
  return runs
}

const throughput = (r: Run) => r.report.throughput
const p99 = (r: Run) => r.report.latencyMs.p99

function throughputTables(runs: Runs): string[] {
  const ratio = (mix: string, clients: number, t: TargetName, pick: (r: Run) => number) => show(TARGETS.includes(BASE) ? runs.ratio(mix, clients, t, BASE, pick) : undefined, 2)
  return MIXES.flatMap((mix) => [
    `#### ${mix.label}`,
    '',
    `| clients | target | ops/s | rounds | ÷ ${BASE} ops/s | p99 ÷ ${BASE} | write p50 | write p99 | read p50 | read p99 (ms) | errors | peer msgs/op | peer POSTs/op | fsyncs/write | writes/entry | server CPU µs/op |`,
    '| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...CLIENTS.flatMap((clients) =>
      TARGETS.map((t) => row(clients, t, runs.of(mix.label, clients, t), ratio(mix.label, clients, t, throughput), ratio(mix.label, clients, t, p99))),
    ),
    '',
  ])
}

/** The issue's targets, each a verdict on the medians of this run. */
function targetLines(runs: Runs): string[] {
  const has = (t: TargetName) => TARGETS.includes(t)
  const lines: string[] = []
  for (const mix of MIXES) {
    for (const clients of CLIENTS) {
      const ratio = (a: TargetName, b: TargetName, pick: (r: Run) => number) => runs.ratio(mix.label, clients, a, b, pick)!
      const cell = `${mix.label}, ${clientsLabel(clients)}`
      if (has('raft') && has('etcd')) {
        lines.push(verdict(`${cell}: Raft / etcd ops/s ≥ 1`, ratio('raft', 'etcd', throughput), 1, '≥', 2))
        lines.push(verdict(`${cell}: Raft / etcd p99 ≤ 1`, ratio('raft', 'etcd', p99), 1, '≤', 2))
      }
      if (has('paxos') && has('etcd')) lines.push(verdict(`${cell}: Multi-Paxos / etcd ops/s ≥ 1`, ratio('paxos', 'etcd', throughput), 1, '≥', 2))
      if (has('paxos') && has('raft') && clients === PAXOS_TARGET_CLIENTS) lines.push(verdict(`${cell}: Multi-Paxos / Raft ops/s ≥ 0.9`, ratio('paxos', 'raft', throughput), 0.9, '≥', 2))
    }
  }
  return ['Targets (issue 15), from the medians of this run:', '', ...(lines.length > 0 ? lines : ['- none measured: they need raft with etcd or paxos'])]
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
const show = (n: number | undefined, digits: number) => (n === undefined || !Number.isFinite(n) ? 'n/a' : fmt(n, digits))
/** The median over the rounds of a per-run cost, or undefined when a round did not count it. */
function medianOf<T>(rounds: T[], pick: (r: T) => number | undefined): number | undefined {
  const xs = rounds.map(pick)
  return xs.every((x) => x !== undefined) ? median(xs as number[]) : undefined
}

/** The round with the median throughput; the costs are each the median over the rounds. */
function row(clients: number, target: TargetName, rounds: Run[], throughputRatio: string, p99Ratio: string): string {
  const r = medianRound(rounds, (x) => x.report.throughput).report
  const w = r.operations.write?.latencyMs
  const rd = r.operations.read?.latencyMs
  const errors = Object.entries(r.errorsByKind).map(([k, v]) => `${k} ${v}`).join(', ') || '0'
  return [
    '',
    clients,
    target,
    fmt(r.throughput),
    rounds.map((x) => fmt(x.report.throughput)).join(', '),
    throughputRatio,
    p99Ratio,
    show(w?.p50, 2),
    show(w?.p99, 2),
    show(rd?.p50, 2),
    show(rd?.p99, 2),
    errors,
    show(medianOf(rounds, peerMessagesPerOp), 2),
    show(medianOf(rounds, peerPostsPerOp), 2),
    show(medianOf(rounds, fsyncsPerWrite), 3),
    show(medianOf(rounds, writesPerEntry), 1),
    show(medianOf(rounds, cpuPerOp), 0),
    '',
  ].join(' | ').trim()
}

/** One kill -9 trial, in ms from the kill: until a survivor says it leads, and until the first write sent after the kill is acknowledged. */
interface Failover {
  electedMs: number
  writeMs: number
  /** Entries (Raft) or slots (Paxos) the new leader holds beyond its commit point when it first says it leads; undefined for etcd. */
  uncommitted: number | undefined
}

/** kill -9 of each target's leader under 8 writers, the targets alternating; the victim restarts after each trial. */
async function failovers(targets: Target[]): Promise<Map<TargetName, Failover[]>> {
  const trials = new Map<TargetName, Failover[]>()
  for (let round = 0; round < FAILOVER_ROUNDS; round++) {
    for (const t of targets) {
      const f = await failover(t, round)
      process.stderr.write(`kill -9 round ${round + 1} of ${FAILOVER_ROUNDS}: ${t.name}: leader after ${f.electedMs.toFixed(0)} ms, write after ${f.writeMs.toFixed(0)} ms\n`)
      trials.set(t.name, [...(trials.get(t.name) ?? []), f])
    }
  }
  return trials
}

/** One trial (Infinity: no write within failover.ts's limit, or no leader within LEADER_WAIT_MS). */
async function failover(t: Target, trial: number): Promise<Failover> {
  const spec = resolveKvTarget(t.kind, t.dataDir)
  // Writers need every member here: the leader's endpoint alone would have nobody to turn to.
  const target = spec.kind === 'dsys' ? new DsysKvTarget(spec.urls, FAILOVER_WRITERS, OP_TIMEOUT_MS) : new EtcdKvTarget(spec.target, FAILOVER_WRITERS, OP_TIMEOUT_MS, ETCD_ATTEMPT_TIMEOUT_MS)
  const victim = (await leaderOf(t)).name
  let election: Promise<Omit<Failover, 'writeMs'>> | undefined
  const kill = (name: string) => {
    killNode(t.dataDir, name, 'KILL')
    election = watchElection(spec.nodes.filter((n) => n.name !== name), performance.now())
  }
  let writeMs = Infinity
  try {
    writeMs = (await failoverTrial(target, trial, async () => victim, kill)).windowMs
  } catch (err) {
    process.stderr.write(`${t.name}: ${(err as Error).message}\n`)
  } finally {
    await target.close()
  }
  const elected = (await election) ?? {electedMs: Infinity, uncommitted: undefined}
  await restartNode(t.dataDir, victim, 1_000, LEADER_WAIT_MS)
  await leaderOf(t)
  return {...elected, writeMs}
}

/** Polls the survivors every ELECTION_POLL_MS until one says it leads. */
async function watchElection(survivors: NodeRecord[], killedAt: number): Promise<Omit<Failover, 'writeMs'>> {
  while (performance.now() - killedAt < LEADER_WAIT_MS) {
    const healths = await Promise.all(survivors.map((n) => probeHealth(n, 500)))
    const leader = healths.find((h) => h?.role === 'leader')
    if (leader !== undefined) {
      const electedMs = performance.now() - killedAt
      const {commitIndex, lastIndex, nextSlot} = leader as Record<string, unknown>
      const last = typeof lastIndex === 'number' ? lastIndex : typeof nextSlot === 'number' ? nextSlot - 1 : undefined
      return {electedMs, uncommitted: last !== undefined && typeof commitIndex === 'number' ? last - commitIndex : undefined}
    }
    await sleep(ELECTION_POLL_MS)
  }
  return {electedMs: Infinity, uncommitted: undefined}
}

/** Each target's settings: a dsys target's from its first node's /health, etcd's its defaults (undefined). */
async function readSettings(targets: Target[]): Promise<Map<Target, Record<string, unknown> | undefined>> {
  const settings = new Map<Target, Record<string, unknown> | undefined>()
  for (const t of targets) {
    const first = resolveKvTarget(t.kind, t.dataDir).nodes[0]
    settings.set(t, t.kind === 'etcd' ? undefined : (((await fetchHealth(first.url, 2_000))?.settings ?? {}) as Record<string, unknown>))
  }
  return settings
}

const TIMING = ['tickMs', 'electionTicks', 'heartbeatTicks'] as const

/** The dsys targets' election timing when it is the same on all, as the failover comparison needs; undefined when it differs. */
function sharedTiming(settings: Map<Target, Record<string, unknown> | undefined>): Record<(typeof TIMING)[number], number> | undefined {
  const dsys = [...settings.values()].filter((s) => s !== undefined)
  if (dsys.length === 0 || !dsys.every((s) => TIMING.every((k) => s[k] === dsys[0][k]))) return undefined
  return {tickMs: Number(dsys[0].tickMs), electionTicks: Number(dsys[0].electionTicks), heartbeatTicks: Number(dsys[0].heartbeatTicks)}
}

/** A follower campaigns after a random [electionTicks, 2 × electionTicks) ticks without a leader (ReplicaOptions). */
const electionTimeout = (t: {tickMs: number; electionTicks: number}) => `${t.tickMs * t.electionTicks}–${2 * t.tickMs * t.electionTicks} ms`

function settingsLines(settings: Map<Target, Record<string, unknown> | undefined>): string[] {
  const timing = sharedTiming(settings)
  return [
    '| target | what | settings (from /health) |',
    '| --- | --- | --- |',
    ...[...settings].map(([t, s]) => `| ${t.name} | ${t.what} | ${s === undefined ? '100 ms heartbeat, 1000 ms election timeout (etcd defaults)' : Object.entries(s).map(([k, v]) => `${k} ${v}`).join(', ')} |`),
    '',
    `Election timing on the dsys targets (${TIMING.join(', ')}): ${timing ? `the same on all, an election timeout of ${electionTimeout(timing)}` : 'DIFFERENT, so their failover rows do not compare'}.`,
  ]
}

function failoverLines(trials: Map<TargetName, Failover[]>): string[] {
  const ms = (x: number) => (Number.isFinite(x) ? fmt(x) : 'none')
  return [
    '| target | ms to a new leader (median) | ms to the next acknowledged write (median) | uncommitted at the new leader (median) | rounds: leader / write ms |',
    '| --- | ---: | ---: | ---: | --- |',
    ...[...trials].map(([t, fs]) => {
      const uncommitted = medianOf(fs, (f) => f.uncommitted)
      const rounds = fs.map((f) => `${ms(f.electedMs)} / ${ms(f.writeMs)}`).join(', ')
      return `| ${t} | ${ms(median(fs.map((f) => f.electedMs)))} | ${ms(median(fs.map((f) => f.writeMs)))} | ${uncommitted === undefined ? 'n/a' : fmt(uncommitted)} | ${rounds} |`
    }),
  ]
}

/** A failover column's median over the rounds. */
const failoverMedian = (trials: Map<TargetName, Failover[]>, t: TargetName, pick: (f: Failover) => number | undefined) => {
  const fs = trials.get(t)
  return fs === undefined ? undefined : medianOf(fs, pick)
}

/** A trial's ms from a new leader to the next acknowledged write; undefined when either did not happen. */
// Clamped at 0: the health poll (every 10 ms) can see the new leader after its first write was acknowledged.
const leaderToWrite = (f: Failover) => (Number.isFinite(f.writeMs - f.electedMs) ? Math.max(0, f.writeMs - f.electedMs) : undefined)

/**
 * Where and why the protocols differ, each claim beside the numbers of this
 * run that bear on it (write-only). The text states the mechanisms; the
 * numbers are this run's, so a rerun may show a difference larger, smaller or reversed.
 */
function whyLines(runs: Runs, trials: Map<TargetName, Failover[]>, timing: ReturnType<typeof sharedTiming>): string[] {
  if (!TARGETS.includes('raft') || !TARGETS.includes('paxos')) return []
  const low = Math.min(...CLIENTS)
  const high = CLIENTS.reduce((best, c) => (Math.abs(c - PAXOS_TARGET_CLIENTS) < Math.abs(best - PAXOS_TARGET_CLIENTS) ? c : best))
  const mix = 'write-only'
  const each = (ts: TargetName[], clients: number, pick: (r: Run) => number | undefined, digits: number) =>
    ts.filter((t) => TARGETS.includes(t)).map((t) => `${t} ${show(runs.median(mix, clients, t, pick), digits)}`).join(', ')
  const fail = (ts: TargetName[], pick: (f: Failover) => number | undefined) =>
    ts.filter((t) => trials.has(t)).map((t) => `${t} ${show(failoverMedian(trials, t, pick), 0)}`).join(', ')
  const dsys: TargetName[] = ['raft', 'paxos', 'fpaxos']
  const lines = [
    '### Where Raft and Multi-Paxos differ, and why',
    '',
    `Medians of this run, write-only; "at ${clientsLabel(low)}" every write is an entry of its own, "at ${clientsLabel(high)}" writes are batched.`,
    '',
    `- **With a stable leader the two commit a write the same way.** The leader sends each batch to every follower (AppendEntries / accept), every replica persists it before it answers (an fsync, shared by whatever arrived meanwhile), and a write is acknowledged once a quorum holds it (Raft: a majority; Paxos: q2); how the followers then learn the commit point differs (next point). Peer messages per write at ${clientsLabel(low)}: ${each(dsys, low, peerMessagesPerOp, 2)}; at ${clientsLabel(high)}: ${each(dsys, high, peerMessagesPerOp, 2)}. fsyncs per write at ${clientsLabel(low)}: ${each(dsys, low, fsyncsPerWrite, 2)}; at ${clientsLabel(high)}: ${each(dsys, high, fsyncsPerWrite, 3)}. Writes per entry at ${clientsLabel(high)}: ${each(dsys, high, writesPerEntry, 1)}.`,
    `- **Commit propagation: at once against on the next message.** A Raft leader whose commit index advances sends AppendEntries to every follower at once (raft.ts: maybeCommit, then broadcastAppend), so followers apply without waiting, at the price of a second round of messages per entry when entries are not pipelined; a Paxos leader lets its chosen point ride on the next accept or heartbeat. Peer messages per write at ${clientsLabel(low)}: ${each(['raft', 'paxos'], low, peerMessagesPerOp, 2)}; peer POSTs per write: ${each(['raft', 'paxos'], low, peerPostsPerOp, 2)}; server CPU µs per write: ${each(['raft', 'paxos'], low, cpuPerOp, 0)}.`,
    `- **Acknowledgements: a prefix against slots.** A Raft follower acknowledges a log prefix with one number (its matchIndex), and the leader's commit index is the quorum's matchIndex; a Paxos acceptor lists the slots it accepted, and the leader keeps a set of acks per slot until q2 acceptors hold it (slots are chosen independently, then applied in order). Each acknowledgement is one message either way; the leader's bookkeeping grows with the slots in flight. Server CPU µs per write at ${clientsLabel(high)}: ${each(dsys, high, cpuPerOp, 0)}; ops/s at ${clientsLabel(high)}: ${each(dsys, high, throughput, 0)}.`,
    `- **Leader change: an up-to-date log against catch-up in phase 1.** A Raft candidate wins only if its log is at least as up to date as a majority's (Raft §5.4.1), so the new leader already holds every committed entry and commits its predecessor's tail by committing a no-op of its own term (§8). A Paxos candidate wins with any q1 promises: the promises report every value accepted above its chosen point, and it re-proposes each of those slots in its ballot (a no-op in a gap) before the slots after them can be applied, so the log catch-up happens inside the election (Howard and Mortier 2020). ${timing ? `Both run the same election timeout (tickMs ${timing.tickMs}, electionTicks ${timing.electionTicks}: ${electionTimeout(timing)}), so what differs beyond it is the protocol.` : 'Here they do NOT run the same election timeout (see the settings above), so their windows do not compare.'} Median ms from kill -9 to a new leader: ${fail(dsys, (f) => f.electedMs)}; to the next acknowledged write: ${fail(dsys, (f) => f.writeMs)}; entries (Raft) or slots (Paxos) beyond the commit point at the new leader when it first says it leads (Raft's counts its no-op): ${fail(dsys, (f) => f.uncommitted)}. With ${FAILOVER_WRITERS} writers on loopback that tail is short, so phase 1 has little to catch up and the randomized election timeout dominates both windows; from the new leader to the next acknowledged write (the writers finding it, its first commit), median per trial: ${fail(dsys, leaderToWrite)} ms. Per trial that gap is near 0 or 100–200 ms on both protocols (the trials are listed in the failover table): 100–200 ms is the client's retry back-off (RaftKvClient: 20 ms doubling to a 200 ms cap, jittered down to half) when every writer is asleep in it as the leader appears, so the difference between the two medians is where the writers' retries fell, not a cost of either protocol.`,
  ]
  if (TARGETS.includes('fpaxos')) {
    lines.push(
      `- **Flexible Paxos, ${FLEX.size} replicas, q1 ${FLEX.q1}, q2 ${FLEX.q2}.** A write needs the leader and one acceptor, as a 3-replica majority does, but the leader still sends every accept to all ${FLEX.size - 1} followers and each of them persists it: peer messages per write at ${clientsLabel(high)} ${each(['paxos', 'fpaxos'], high, peerMessagesPerOp, 2)}, fsyncs per write ${each(['paxos', 'fpaxos'], high, fsyncsPerWrite, 3)}, server CPU µs per write ${each(['paxos', 'fpaxos'], high, cpuPerOp, 0)}; on this two-core machine those extra replicas compete with the leader for CPU (ops/s ${each(['paxos', 'fpaxos'], high, throughput, 0)}). The price of the small q2 is paid at leader change: q1 = ${FLEX.q1} of ${FLEX.size} means all ${FLEX.q1} survivors of a leader's crash must promise, and any one slow survivor can delay the election (median ms to a new leader ${fail(['paxos', 'fpaxos'], (f) => f.electedMs)}); a second crash leaves ${FLEX.size - 2} replicas, too few to elect anyone, though more than a write's q2 of ${FLEX.q2}.`,
    )
  }
  return lines
}

const loadAtStart = loadavg()
const sections = await withClusters(async (targets) => {
  const settings = await readSettings(targets)
  const runs = await measure(targets)
  const trials = await failovers(targets)
  return [
    '## Consensus protocols side by side: Raft, Multi-Paxos, Flexible Paxos, etcd',
    '',
    machineDescription(),
    `- load average (1 min) ${loadAtStart[0].toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end: the machine is shared, and its other work falls on every target alike only because the targets alternate`,
    `- produced by \`node dist/bench/kv/protocols.js ${process.argv.slice(2).join(' ')}\`${QUICK ? ' (quick mode: a smoke run, not a measurement)' : ''}`,
    '',
    `Produced by \`bench/kv/protocols.ts\` (rerun: \`npm run build && node dist/bench/kv/protocols.js\`). One local cluster runs dsys's Raft KV, its Multi-Paxos KV and etcd; the ${FLEX.size}-replica Flexible Paxos group runs in a second data directory beside it, so its replicas keep their names. Every target has fsync on. The same harness (\`runLoad\` and the kv workload: closed loop, 10,000 keys uniform, 100-byte values, linearizable reads) drives ${CLIENTS.map(clientsLabel).join(', ')}, write-only and 50% reads, ${DURATION_MS / 1000} s measured after ${WARMUP_MS / 1000} s warmup, once every target has run ${PREWARM_MS / 1000} s unmeasured at ${clientsLabel(PREWARM_CLIENTS)} (so V8 has compiled the dsys servers' hot paths, as a long-running server would have; etcd is compiled ahead of time); in each round (${ROUNDS}) the targets run one after another in table order, so a slow moment of the machine falls on all of them. Every client is at the leader: dsys clients are given every replica, follow the first redirect and stay with the leader; etcd clients are given the leader's endpoint alone (found by its /v3/maintenance/status).`,
    '',
    ...settingsLines(settings),
    '',
    `### Throughput and latency: ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}, alternating`,
    '',
    `Each row is the round with the median ops/s, every round's beside it; the ratios divide the medians over the rounds by ${BASE}'s (ops/s above 1: more than ${BASE}; p99 below 1: lower than ${BASE}'s, the p99 of all operations). Costs are medians over the rounds, counted by the servers over the measured window on every member: peer msgs are protocol messages between replicas (in POSTs and in their answers), peer POSTs the HTTP requests that carry them; fsyncs are WAL fsyncs on all members per client write; writes/entry is client writes per committed log entry (slot), the batching; server CPU is every member's per operation. etcd exports no peer message count (n/a), and its committed entries are proposals, one per write.`,
    '',
    ...throughputTables(runs),
    ...targetLines(runs),
    '',
    `### Failover: kill -9 of the leader under ${FAILOVER_WRITERS} writers, ${FAILOVER_ROUNDS} round${FAILOVER_ROUNDS === 1 ? '' : 's'}, alternating`,
    '',
    `From the SIGKILL: until a survivor's health says it leads (asked every ${ELECTION_POLL_MS} ms), and until the first write sent after the kill is acknowledged (bench/kv/failover.ts). The victim restarts after each trial and the cluster has a leader again before the next. Writers are given every member here; etcd writers give up on a request after ${ETCD_ATTEMPT_TIMEOUT_MS} ms and try the next member (otherwise a put forwarded by a member that lost its leader waits etcd's 7 s request timeout). etcd runs its own election timeout (1000 ms), so its row is a reference, not a like-for-like comparison.`,
    '',
    ...failoverLines(trials),
    '',
    ...whyLines(runs, trials, sharedTiming(settings)),
    '',
  ]
})
mkdirSync(dirname(OUT), {recursive: true})
writeFileSync(OUT, sections.join('\n'))
process.stdout.write(sections.join('\n') + '\n')
