import {CheckCommand, faultsCell, historyFlag, nemesisFlags} from '../../cli/check-command.js'
import {durationFlag, positiveIntFlag} from '../../cli/flags.js'
import {renderTable} from '../../cli/table.js'
import {KvCheckReport, runKvCheck} from '../../core/check/kv-check.js'
import {FAULTS} from '../../core/check/nemesis.js'

export default class CheckKv extends CheckCommand {
  static override summary = 'Check the Raft KV for linearizability under partitions and crashes, Jepsen style'
  static override description = `Clients run random puts, gets and compare-and-sets on a few fresh keys and record a history (JSON Lines) while a nemesis partitions, kills or pauses (SIGSTOP) one replica at a time and heals, restarts or resumes it. The history is then checked for linearizability key by key. Exit code 1 when it is not linearizable, or when the check could not decide (the report says which): 2 is kept for usage errors.`
  static override examples = ['<%= config.bin %> check kv --duration 30s', '<%= config.bin %> check kv --faults partition --fault-interval 2s --clients 10 --json']

  static override flags = {
    ...nemesisFlags(FAULTS),
    clients: positiveIntFlag({description: 'concurrent clients', default: 5}),
    keys: positiveIntFlag({description: 'distinct keys (fewer keys: more contention per register)', default: 5}),
    duration: durationFlag({description: 'how long the clients run', default: 20_000}),
    'op-timeout': durationFlag({description: 'bound on one operation; past it the outcome is recorded as unknown', default: 2_000}),
    history: historyFlag('kv'),
  }

  async run() {
    const {flags} = await this.parse(CheckKv)
    const report = await this.withProgress(flags.duration, (observer) =>
      runKvCheck({
        dataDir: flags['data-dir'],
        clients: flags.clients,
        keys: flags.keys,
        durationMs: flags.duration,
        ...this.nemesisOptions(flags, FAULTS),
        opTimeoutMs: flags['op-timeout'],
        historyPath: this.historyPath(flags['data-dir'], 'kv', flags.history),
        observer,
      }),
    )
    const linearizable = report.result.linearizable
    return this.finish(report, describe(report), linearizable === true ? 0 : 1)
  }
}

function describe(r: KvCheckReport): string {
  const o = r.operations
  const lines = [
    renderTable(
      ['clients', 'keys', 'seconds', 'operations', 'ok', 'fail', 'unknown', 'faults'],
      [[r.clients, r.keys, r.durationS.toFixed(1), o.invoked, o.ok, o.fail, o.info, faultsCell(r.faults)]],
    ),
    `history: ${r.history} (seed ${r.seed}); checked in ${r.checkMs.toFixed(0)} ms`,
  ]
  const result = r.result
  if (result.linearizable === true) lines.push(`linearizable: yes (${result.operations} operations on ${result.keys} keys)`)
  else if (result.linearizable === 'unknown') lines.push(`linearizable: UNKNOWN on key ${result.key}: ${result.reason}`)
  else {
    const op = result.cannotLinearize
    lines.push(
      `linearizable: NO on key ${result.key}: no order of its ${result.operations} operations explains ${op.f} by process ${op.process} (history line ${op.index + 1}, ${op.start}–${op.end} ms, input ${JSON.stringify(op.input)}, read ${JSON.stringify(op.output)}); ${result.concurrent.length} operations overlap it`,
    )
  }
  return lines.join('\n')
}
