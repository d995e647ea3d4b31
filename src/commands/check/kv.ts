import {Flags} from '@oclif/core'

import {CheckCommand, faultsCell, historyFlag, historyLine, nemesisFlags} from '../../cli/check-command.js'
import {durationFlag, positiveIntFlag} from '../../cli/flags.js'
import {recheckFlag, recheckHistory} from '../../cli/recheck.js'
import {reportFlag} from '../../cli/report-output.js'
import {renderTable} from '../../report/table.js'
import {KvCheckReport, recheckKvHistory, runKvCheck} from '../../check/kv-check.js'
import {kvEventProblem} from '../../core/check/kv-history.js'
import {FAULTS, VICTIMS, Victim} from '../../check/nemesis.js'
import {resolveKvTarget} from '../../cli/kv-targets.js'
import type {NodeRecord} from '../../runtime/cluster/cluster-state.js'

export default class CheckKv extends CheckCommand {
  static override summary = 'Check the Raft or Multi-Paxos KV for linearizability under partitions and crashes, Jepsen style'
  static override description = `Clients run random puts, gets and compare-and-sets on a few fresh keys and record a history (JSON Lines) while a nemesis partitions, kills or pauses (SIGSTOP) one replica at a time and heals, restarts or resumes it. The history is then checked for linearizability key by key; when it is not linearizable, the report names the operation that cannot be placed, the values it could have seen, and the shortest failing prefix of its key's history. With --recheck, only the checker runs, on the history in --history. Exit code 1 when it is not linearizable, or when the check could not decide (the report says which): 2 is kept for usage errors.`
  static override examples = [
    '<%= config.bin %> check kv --duration 30s',
    '<%= config.bin %> check kv --faults partition --fault-interval 2s --clients 10 --json',
    '<%= config.bin %> check kv --faults kill --victim leader --duration 10s',
    '<%= config.bin %> check kv --target paxos --faults partition,kill,pause',
    '<%= config.bin %> check kv --history .dsys/check/kv-2026-01-01T00-00-00-000Z.jsonl --recheck',
  ]

  static override flags = {
    ...nemesisFlags(FAULTS),
    target: Flags.string({description: 'the KV replicas to check: raft (the default), paxos, or http://HOST:PORT[,HOST:PORT...]'}),
    clients: positiveIntFlag({description: 'concurrent clients', default: 5}),
    keys: positiveIntFlag({description: 'distinct keys (fewer keys: more contention per register)', default: 5}),
    duration: durationFlag({description: 'how long the clients run', default: 20_000, min: 1}),
    'op-timeout': durationFlag({description: 'bound on one operation; past it the outcome is recorded as unknown', default: 2_000}),
    victim: Flags.string({description: 'which replica a fault hits: leader (always the current leader), any (any replica), mixed (the leader half the time)', options: [...VICTIMS], default: 'mixed'}),
    history: historyFlag('kv'),
    recheck: recheckFlag,
    report: reportFlag,
  }

  async run() {
    const {flags} = await this.parse(CheckKv)
    const report = flags.recheck
      ? recheckHistory(flags.history, 'kv', kvEventProblem, recheckKvHistory)
      : await this.withProgress(flags.duration, (observer) =>
          runKvCheck({
            dataDir: flags['data-dir'],
            clients: flags.clients,
            keys: flags.keys,
            durationMs: flags.duration,
            // Bad flags are refused before the cluster is looked at.
            ...this.nemesisOptions(flags, FAULTS),
            ...this.replicas(flags.target, flags['data-dir']),
            opTimeoutMs: flags['op-timeout'],
            victim: flags.victim as Victim,
            historyPath: this.historyPath(flags['data-dir'], 'kv', flags.history),
            observer,
          }),
        )
    return this.finish(report, describe(report), report.result.linearizable === true ? 0 : 1)
  }

  private replicas(target: string | undefined, dataDir: string): {urls: string[]; nodes: NodeRecord[]} {
    const refused = `check kv runs on dsys KV replicas (raft, paxos or http://HOST:PORT[,...]), not on ${target}`
    // Refused before the cluster is looked at: "start it with: dsys cluster up --etcd 3" would send the user to start what is refused next.
    if (target === 'etcd' || target?.startsWith('etcd://')) this.usageError(refused)
    const spec = resolveKvTarget(target, dataDir)
    if (spec.kind !== 'dsys') this.usageError(refused)
    return spec
  }
}

function describe(r: KvCheckReport): string {
  const o = r.operations
  const lines = [
    renderTable(
      ['clients', 'keys', 'seconds', 'operations', 'ok', 'fail', 'unknown', 'faults'],
      [[r.clients, r.keys, r.durationS.toFixed(1), o.invoked, o.ok, o.fail, o.info, faultsCell(r)]],
    ),
    `${historyLine(r)}; checked in ${r.checkMs.toFixed(0)} ms`,
  ]
  const result = r.result
  if (result.linearizable === true) lines.push(`linearizable: yes (${result.operations.toLocaleString('en-US')} operations on ${result.keys} keys)`)
  else if (result.linearizable === 'unknown') lines.push(`linearizable: UNKNOWN on key ${result.key}: ${result.reason}`)
  else {
    // The explanation's search may give up where the checker did not: then the operation the checker got stuck on.
    const op = result.cannotLinearize
    const why = r.anomaly?.explanation ?? `no order of them explains ${op.f} by process ${op.process} (history line ${op.index + 1})`
    lines.push(`linearizable: NO on key ${result.key} (${result.operations} operations): ${why}`)
  }
  return lines.join('\n')
}
