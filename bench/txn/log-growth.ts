/**
 * 2PC log growth: pushes N transactions (default 200,000) through a fresh
 * local cluster (1 coordinator, 3 participants, real processes) with
 * `--clients` closed-loop clients, each transaction a blind write of 2 keys
 * out of 100k; then, per node: bytes on disk in its data directory (WAL
 * segments and checkpoints) and the restart time (SIGKILL, start again on
 * the same directory, until /health answers). Writes bench/results/txn-log-growth.md
 * and prints it.
 *
 *   node dist/bench/txn/log-growth.js [--txns 200000] [--clients 32]
 */
import {mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'

import {TxnClusterClient} from '../../src/check/txn-cluster-client.js'
import {requireClusterState} from '../../src/runtime/cluster/cluster-state.js'
import {txnSubsystem} from '../../src/runtime/cluster/subsystems.js'
import {clusterDown, clusterUp, killNode, restartNode} from '../../src/runtime/cluster/supervisor.js'
import {fmt, machineDescription} from '../common.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const TXNS = arg('--txns', 200_000)
const CLIENTS = arg('--clients', 32)
const KEYS = 100_000
const PARTICIPANTS = 3
const RESTART_TIMEOUT_MS = 120_000

/** Bytes of every file under `dir`. */
function diskBytes(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += diskBytes(path)
    else if (entry.isFile() && !entry.name.endsWith('.log') && entry.name !== 'node.json') total += statSync(path).size
  }
  return total
}

/** Closed loop: CLIENTS workers share one counter until TXNS transactions were answered. */
async function pushTransactions(client: TxnClusterClient): Promise<{committed: number; aborted: number; unknown: number; seconds: number}> {
  const counts = {committed: 0, aborted: 0, unknown: 0}
  let issued = 0
  const started = performance.now()
  const worker = async (): Promise<void> => {
    while (issued < TXNS) {
      const n = issued++
      const a = `k${(n * 7919) % KEYS}`
      const b = `k${(n * 104_729 + 1) % KEYS}`
      const answer = await client.txn(a === b ? [{key: a, value: String(n)}] : [{key: a, value: String(n)}, {key: b, value: String(n)}])
      if (answer === undefined) counts.unknown++
      else counts[answer.outcome]++
      if (n % 20_000 === 0) process.stderr.write(`log-growth: ${n} transactions issued\n`)
    }
  }
  await Promise.all(Array.from({length: CLIENTS}, worker))
  return {...counts, seconds: (performance.now() - started) / 1000}
}

interface NodeRow {
  name: string
  diskBytes: number
  restartMs: number
  /** The same restart on a fresh cluster's empty log: process start, listening, the health poll. */
  emptyRestartMs: number
}

/** SIGKILL, start on the same directory, until /health answers. */
async function restartMs(dataDir: string, name: string): Promise<number> {
  killNode(dataDir, name, 'KILL')
  const started = performance.now()
  await restartNode(dataDir, name, 1_000, RESTART_TIMEOUT_MS)
  return performance.now() - started
}

const dataDir = mkdtempSync(join(tmpdir(), 'dsys-bench-txn-log-'))
const rows: NodeRow[] = []
let load: Awaited<ReturnType<typeof pushTransactions>>
try {
  await clusterUp({dataDir, host: '127.0.0.1', plans: txnSubsystem.plan({size: PARTICIPANTS}), healthTimeoutMs: 15_000})
  const nodes = requireClusterState(dataDir).nodes
  const emptyRestartMs = new Map<string, number>()
  for (const node of nodes) emptyRestartMs.set(node.name, await restartMs(dataDir, node.name))
  const coordinator = nodes.find((n) => n.kind === 'txn-coordinator')!
  const client = new TxnClusterClient(coordinator.url, Object.fromEntries(nodes.filter((n) => n.kind === 'txn-participant').map((n) => [n.name, n.url])))
  load = await pushTransactions(client)
  await client.waitSettled(60_000)
  await client.close()
  for (const node of nodes) {
    const row = {name: node.name, diskBytes: diskBytes(node.dataPath), restartMs: await restartMs(dataDir, node.name), emptyRestartMs: emptyRestartMs.get(node.name)!}
    rows.push(row)
    process.stderr.write(`log-growth: ${JSON.stringify(row)}\n`)
  }
} finally {
  await clusterDown(dataDir, 1_000, true).catch(() => undefined)
  rmSync(dataDir, {recursive: true, force: true})
}

const mib = (b: number): string => fmt(b / (1024 * 1024), 2)
const lines = [
  '## Two-phase commit: log size and restart time',
  '',
  machineDescription(),
  '',
  `A fresh cluster (\`txnSubsystem.plan({size: ${PARTICIPANTS}})\`) took ${fmt(TXNS)} transactions from ${CLIENTS} closed-loop clients ` +
    `(each a blind write of 2 keys out of ${fmt(KEYS)}; ${fmt(load.committed)} committed, ${fmt(load.aborted)} aborted, ${fmt(load.unknown)} unknown, in ${fmt(load.seconds, 1)} s). ` +
    'Then, one node at a time: the bytes in its data directory (WAL segments and checkpoints; not its text log), SIGKILL, start on the same directory, time until /health answers ' +
    '(process start, log and checkpoint replay, listening; the same restart before any load, on an empty log, for comparison). `node dist/bench/txn/log-growth.js`',
  '',
  '| node | on disk (MiB) | restart to healthy (ms) | restart with an empty log (ms) |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.name} | ${mib(r.diskBytes)} | ${fmt(r.restartMs)} | ${fmt(r.emptyRestartMs)} |`),
]
mkdirSync('bench/results', {recursive: true})
writeFileSync('bench/results/txn-log-growth.md', lines.join('\n') + '\n')
process.stdout.write(lines.join('\n') + '\n')
