/**
 * dsys Raft KV vs etcd on one machine and one harness: a 3-member etcd
 * (default settings, fsync on) and 3 dsys replicas on loopback, the kv
 * workload at several client counts, write-only and 50% reads, then kill -9
 * failover trials on both. Writes its section of bench/RESULTS.md to bench/results/kv.md (npm run bench assembles them).
 *
 *   node dist/bench/kv/compare-etcd.js [--duration 10s] [--warmup 2s] [--clients 1,16,64,256] [--reps 3] [--trials 20] [--out bench/results/kv.md]
 *
 * Each cell runs --reps times, alternating the systems, and the table shows
 * the run with the median throughput (all runs' throughputs beside it).
 *
 * Needs `etcd` on PATH (Debian: apt-get install etcd-server) and a build (npm run build).
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, getPriority, loadavg, tmpdir, totalmem} from 'node:os'
import {join} from 'node:path'

import {DsysKvTarget} from '../../src/bench/kv/dsys-kv-target.js'
import {EtcdKvTarget} from '../../src/bench/kv/etcd-kv-target.js'
import type {KvTarget} from '../../src/bench/kv/kv-target.js'
import {KvWorkload} from '../../src/bench/kv/kv-workload.js'
import type {LoadReport} from '../../src/bench/report.js'
import {runLoad} from '../../src/bench/run-load.js'
import {parseDurationMs} from '../../src/core/common/duration.js'
import {fetchHealth} from '../../src/runtime/cluster/health.js'
import {raftSubsystem} from '../../src/runtime/cluster/subsystems.js'
import {clusterDown, clusterUp, killNode, restartNode} from '../../src/runtime/cluster/supervisor.js'
import {EtcdCluster} from './etcd-cluster.js'
import {failoverTrial, percentile} from './failover.js'

const args = new Map<string, string>()
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1])
const durationMs = parseDurationMs(args.get('duration') ?? '10s')
const warmupMs = parseDurationMs(args.get('warmup') ?? '2s')
const clientCounts = (args.get('clients') ?? '1,16,64,256').split(',').map(Number)
const trials = Number(args.get('trials') ?? 20)
const reps = Number(args.get('reps') ?? 3)
const outPath = args.get('out') ?? 'bench/results/kv.md'
const OP_TIMEOUT_MS = 10_000
/** Failover writers give up on one etcd request after this long and try the next member (see EtcdKvTarget). */
const FAILOVER_ATTEMPT_TIMEOUT_MS = 100
const READ_RATIOS = [0, 0.5]

interface System {
  name: 'dsys' | 'etcd'
  target(clients: number, attemptTimeoutMs?: number): KvTarget
  leader(): Promise<string>
  kill(name: string): void
  restart(name: string): Promise<void>
  stop(): Promise<void>
}

async function startDsys(dir: string): Promise<System> {
  const {state} = await clusterUp({dataDir: dir, host: '127.0.0.1', plans: raftSubsystem.plan({size: 3}), healthTimeoutMs: 20_000})
  const urls = state.nodes.map((n) => n.url)
  const leader = async (): Promise<string> => {
    for (;;) {
      for (const n of state.nodes) if ((await fetchHealth(n.url))?.role === 'leader') return n.name
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  await leader()
  return {
    name: 'dsys',
    target: (clients) => new DsysKvTarget(urls, clients, OP_TIMEOUT_MS),
    leader,
    kill: (name) => killNode(dir, name, 'KILL'),
    restart: async (name) => {
      await restartNode(dir, name, 1_000, 20_000)
      await leader()
    },
    stop: async () => {
      await clusterDown(dir, 1_000, true)
    },
  }
}

async function startEtcd(dir: string): Promise<System> {
  const etcd = await EtcdCluster.start(dir)
  return {
    name: 'etcd',
    target: (clients, attemptTimeoutMs) => new EtcdKvTarget(etcd.target, clients, OP_TIMEOUT_MS, attemptTimeoutMs),
    leader: () => etcd.leader(),
    kill: (name) => etcd.kill(name),
    restart: async (name) => {
      await etcd.restart(name)
      await etcd.leader()
    },
    stop: () => etcd.stop(),
  }
}

interface Row {
  system: string
  clients: number
  readRatio: number
  report: LoadReport
  /** Throughput of every repetition of this cell, in run order. */
  runs: number[]
}

/** Starts a fresh cluster of `start` for each measurement, so one system's idle work never runs during the other's turn. */
async function withSystem<T>(start: (dir: string) => Promise<System>, label: string, use: (system: System) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `dsys-compare-${label}-`))
  const system = await start(dir)
  try {
    return await use(system)
  } finally {
    await system.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}

async function throughputCell(system: System, clients: number, readRatio: number): Promise<Row> {
  const workload = new KvWorkload(system.target(clients), {readRatio, keys: 10_000, dist: 'uniform', zipfTheta: 0.99, valueSize: 100, seed: 1})
  const report = await runLoad(workload, {clients, durationMs, warmupMs})
  process.stderr.write(`${system.name} clients=${clients} reads=${readRatio}: ${report.throughput.toFixed(0)} ops/s p99 ${report.latencyMs.p99} ms, errors ${report.errors}\n`)
  return {system: system.name, clients, readRatio, report, runs: [report.throughput]}
}

async function failoverRuns(system: System): Promise<number[]> {
  const windows: number[] = []
  const target = system.target(8, FAILOVER_ATTEMPT_TIMEOUT_MS)
  for (let trial = 0; trial < trials; trial++) {
    const {windowMs, killed} = await failoverTrial(target, trial, system.leader, system.kill)
    windows.push(windowMs)
    process.stderr.write(`${system.name} failover trial ${trial + 1}/${trials}: ${windowMs.toFixed(0)} ms (killed ${killed})\n`)
    await system.restart(killed)
  }
  await target.close()
  return windows
}

function medianRun(runs: Row[]): Row {
  const sorted = [...runs].sort((a, b) => a.report.throughput - b.report.throughput)
  return {...sorted[Math.floor((sorted.length - 1) / 2)], runs: runs.map((r) => r.report.throughput)}
}

const fmt = (n: number | null | undefined, digits = 1) => (n === null || n === undefined ? 'n/a' : n.toFixed(digits))

function throughputTable(rows: Row[], readRatio: number): string {
  const lines = [
    '| clients | system | ops/s (median run) | all runs ops/s | write ops/s | write p50 ms | write p99 ms | read p50 ms | read p99 ms | errors | peer msgs/op | fsyncs/entry | fsyncs/write |',
    '| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const clients of clientCounts) {
    for (const r of rows.filter((x) => x.clients === clients && x.readRatio === readRatio)) {
      const w = r.report.operations.write
      const rd = r.report.operations.read
      const s = r.report.server as Record<string, number | null>
      lines.push(
        `| ${clients} | ${r.system} | ${fmt(r.report.throughput, 0)} | ${r.runs.map((x) => x.toFixed(0)).join(' / ')} | ${fmt(w?.throughput, 0)} | ${fmt(w?.latencyMs.p50, 2)} | ${fmt(w?.latencyMs.p99, 2)} | ${fmt(rd?.latencyMs.p50, 2)} | ${fmt(rd?.latencyMs.p99, 2)} | ${r.report.errors} | ${fmt(s.messagesPerOp, 2)} | ${fmt(s.fsyncsPerCommittedEntry, 2)} | ${fmt(s.fsyncsPerWrite, 3)} |`,
      )
    }
  }
  return lines.join('\n')
}

const etcdVersion = EtcdCluster.version()
const systems = [
  {start: startDsys, label: 'dsys'},
  {start: startEtcd, label: 'etcd'},
]
// Cells alternate between the systems, so a change in the machine's background load hits both alike.
const rows: Row[] = []
for (const readRatio of READ_RATIOS) {
  for (const clients of clientCounts) {
    const runs: Record<string, Row[]> = {}
    for (let rep = 0; rep < reps; rep++) {
      for (const {start, label} of systems) (runs[label] ??= []).push(await withSystem(start, label, (system) => throughputCell(system, clients, readRatio)))
    }
    for (const label of Object.keys(runs)) rows.push(medianRun(runs[label]))
  }
}
const [dsysFailover, etcdFailover] = [
  await withSystem(startDsys, 'dsys', failoverRuns),
  await withSystem(startEtcd, 'etcd', failoverRuns),
]
const failoverLine = (name: string, w: number[]) =>
  `| ${name} | ${w.length} | ${fmt(percentile(w, 50), 0)} | ${fmt(percentile(w, 99), 0)} | ${fmt(Math.min(...w), 0)} | ${fmt(Math.max(...w), 0)} |`
const md = `## Raft KV vs etcd

Generated by \`node dist/bench/kv/compare-etcd.js ${process.argv.slice(2).join(' ')}\` on ${new Date().toISOString()}.

Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; Node ${process.version}; ${etcdVersion}.
The driver and every server process ran at nice ${getPriority()} (inherited), the same for both systems, to shield them from other work on the machine.
Both clusters: 3 members on loopback, data in a temp dir, fsync on (etcd defaults: 100 ms heartbeat, 1000 ms election timeout;
dsys: 10 ms tick, 30 ms heartbeat, 150–300 ms election timeout). Same harness (\`runLoad\` + the kv workload), closed loop,
${durationMs / 1000} s measured after ${warmupMs / 1000} s warmup per run, 10,000 keys uniform, 100-byte values. Each cell runs ${reps} times,
each on a fresh cluster, alternating dsys and etcd; the row shows the run with the median throughput. The load driver shares the machine's cores with the servers, and other work on the
machine (load average ${loadavg()[0].toFixed(1)} at the end of the run) makes single cells noisy: compare neighbouring rows, not runs. dsys clients follow redirects to the leader; etcd clients spread over the members (clientv3 round-robin).
Reads are linearizable on both (dsys ReadIndex, etcd's default range). "peer msgs/op" counts Raft messages between replicas
(etcd does not export it); "fsyncs/entry" is WAL fsyncs on all members per committed log entry, "fsyncs/write" per client write.

### Write-only

${throughputTable(rows, 0)}

### 50% reads

${throughputTable(rows, 0.5)}

### Failover (kill -9 of the leader under 8 writers)

Unavailability window: from the SIGKILL until the first write issued after it is acknowledged. etcd writers give up on a
request after ${FAILOVER_ATTEMPT_TIMEOUT_MS} ms and retry on the next member, so the window measures the cluster rather than
etcd's 7 s request timeout (a put forwarded by a member that lost its leader otherwise waits that long); dsys replicas answer
at once with a redirect, or hold the request until a leader is known (at most 2 s), so dsys writers need no such timeout.

| system | trials | p50 ms | p99 ms | min ms | max ms |
| --- | ---: | ---: | ---: | ---: | ---: |
${failoverLine('dsys', dsysFailover)}
${failoverLine('etcd', etcdFailover)}

Raw windows (ms): dsys ${dsysFailover.map((w) => w.toFixed(0)).join(', ')}; etcd ${etcdFailover.map((w) => w.toFixed(0)).join(', ')}.
`
writeFileSync(outPath, md)
process.stderr.write(`wrote ${outPath}\n`)
process.exit(0)
