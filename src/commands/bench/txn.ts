import {Flags} from '@oclif/core'

import {DsysCommand} from '../../cli/base-command.js'
import {benchFlags, runBenchCommand} from '../../cli/bench.js'
import {durationFlag, positiveIntFlag} from '../../cli/flags.js'
import {localNodeUrl} from '../../cli/targets.js'
import {sleep} from '../../runtime/cluster/processes.js'
import {killNode, restartNode} from '../../runtime/cluster/supervisor.js'
import type {TxnClusterReport} from '../../bench/txn/txn-cluster-stats.js'
import {TxnWorkload} from '../../bench/txn/txn-workload.js'

const COORDINATOR = 'txn-coordinator'

export default class BenchTxn extends DsysCommand {
  static override summary = 'Two-phase commit: txns/s, commit latency, per-phase latency, messages and fsyncs per transaction, and recovery after a coordinator crash'
  static override description = `Each client runs blind-write transactions over --keys-per-txn keys spread over --participants-per-txn participants, drawn from a key space of --keys keys (10 = high contention: no-wait locks abort conflicting transactions; 100000 = low).
With --kill-coordinator-at the coordinator is killed with SIGKILL during the run and restarted --restart-after later; the report then shows how long participants sat in doubt, the orphaned prepared transactions and how each was resolved, and the coordinator's recovery time.`
  static override examples = [
    '<%= config.bin %> bench txn --clients 16 --duration 10s',
    '<%= config.bin %> bench txn --clients 16 --keys 10 --json',
    '<%= config.bin %> bench txn --clients 16 --duration 10s --kill-coordinator-at 4s --restart-after 1s',
  ]

  static override flags = {
    ...benchFlags,
    keys: positiveIntFlag({description: 'key-space size (contention: 10 high, 100000 low)', default: 100_000}),
    'keys-per-txn': positiveIntFlag({description: 'keys written by each transaction', default: 2}),
    'participants-per-txn': positiveIntFlag({description: 'participants each transaction spans', default: 2}),
    target: Flags.string({description: 'coordinator URL (default: the local cluster)'}),
    seed: positiveIntFlag({description: 'seed for the choice of keys', default: 1}),
    'kill-coordinator-at': durationFlag({description: 'local cluster only: SIGKILL the coordinator this far into the run (warmup included)'}),
    'restart-after': durationFlag({description: 'with --kill-coordinator-at: restart the coordinator this long after the kill', default: 1_000}),
  }

  async run() {
    const {flags} = await this.parse(BenchTxn)
    const dataDir = flags['data-dir']
    if (flags['kill-coordinator-at'] !== undefined && flags.target) this.usageError('--kill-coordinator-at needs the local cluster (no --target)')
    const coordinator = flags.target ?? localNodeUrl(dataDir, COORDINATOR)
    const choice = {keys: flags.keys, keysPerTxn: flags['keys-per-txn'], participantsPerTxn: flags['participants-per-txn']}
    const workload = await TxnWorkload.open(coordinator, choice, flags.clients, flags.seed)
    const killAtMs = flags['kill-coordinator-at']
    const events =
      killAtMs === undefined
        ? []
        : [
            {
              atMs: killAtMs,
              name: 'coordinator crash',
              run: async () => {
                killNode(dataDir, COORDINATOR, 'KILL')
                await sleep(flags['restart-after'])
                const {node} = await restartNode(dataDir, COORDINATOR, 1_000, 15_000)
                return {killed: COORDINATOR, restartedPid: node.pid}
              },
            },
          ]
    return runBenchCommand(this, workload, flags, {events, rows: (r) => txnRows(r.txn as TxnClusterReport)})
  }
}

/** The cluster's side of the run. Aborts by reason are the report's counters, which the report prints itself. */
export function txnRows(t: TxnClusterReport): Array<[string, string | number]> {
  const ms = (l: {p50: number; p99: number; max: number; count: number}): string =>
    `p50 ${l.p50.toFixed(2)} / p99 ${l.p99.toFixed(2)} / max ${l.max.toFixed(2)} ms (${l.count.toLocaleString('en-US')})`
  const out: Array<[string, string | number]> = [
    ['transactions begun (incl. warmup)', t.txnsBegun],
    ['messages per txn', t.messagesPerTxn],
    ['fsyncs per committed txn (all nodes)', t.fsyncsPerCommittedTxn],
    ['decision-log fsyncs per committed txn', t.coordinatorFsyncsPerCommittedTxn],
    ['forced records per committed txn', t.forcedRecordsPerCommittedTxn],
    ['commit phase (decision → all acks)', ms(t.commitPhaseMs)],
    ['in doubt (prepare → decision)', ms(t.inDoubtMs)],
  ]
  if (t.orphans.count > 0 || t.coordinatorRecovery) {
    out.push(['orphaned prepared txns', `${t.orphans.count}: ${Object.entries(t.orphans.resolutions).map(([k, v]) => `${v} ${k}`).join(', ')}`])
    out.push(['orphans: longest in doubt / key-blocked time', `${t.orphans.maxInDoubtMs.toFixed(0)} ms / ${t.orphans.keyBlockedMs} key·ms`])
  }
  if (t.coordinatorRecovery) {
    const r = t.coordinatorRecovery
    out.push(['coordinator recovery', `log replayed ${r.replayMs.toFixed(0)} ms after start; ${r.redrivenCommits} commits re-driven, done ${r.recoveryMs === null ? 'not yet' : `${r.recoveryMs.toFixed(0)} ms after start`}`])
  }
  if (t.restarted.length > 0) out.push(['restarted during the run (counters since restart)', t.restarted.join(', ')])
  out.push(['still in doubt / locked keys at the end', `${t.stillInDoubt} / ${t.lockedKeys}`])
  return out
}
