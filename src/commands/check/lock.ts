import {CheckCommand, faultsCell, historyFlag, historyLine, nemesisFlags} from '../../cli/check-command.js'
import {durationFlag, positiveIntFlag} from '../../cli/flags.js'
import {recheckFlag, recheckHistory} from '../../cli/recheck.js'
import {reportFlag} from '../../cli/report-output.js'
import {renderTable} from '../../report/table.js'
import {LOCK_FAULTS, LockCheckReport, recheckLockHistory, runLockCheck} from '../../check/lock-check.js'
import {lockEventProblem} from '../../core/check/mutual-exclusion.js'

export default class CheckLock extends CheckCommand {
  static override summary = 'Check the lock server for mutual exclusion and fencing-token order under kill -9 and pauses'
  static override description = `Clients acquire one of a few locks, hold it briefly and release it, recording each step with its fencing token (JSON Lines), while a nemesis kills and restarts or pauses (SIGSTOP) the lock server. The history is then checked: no grant while an earlier holder's lease was still valid and unreleased, tokens in real-time order, no token granted twice. With --recheck, only the checker runs, on the history in --history. Exit code 1 on any violation.`
  static override examples = ['<%= config.bin %> check lock --duration 30s', '<%= config.bin %> check lock --faults kill --fault-interval 2s --json', '<%= config.bin %> check lock --history lock.jsonl --recheck']

  static override flags = {
    ...nemesisFlags(LOCK_FAULTS),
    clients: positiveIntFlag({description: 'concurrent clients', default: 8}),
    locks: positiveIntFlag({description: 'distinct locks', default: 3}),
    ttl: durationFlag({description: 'lease of each grant (also the longest wait for one)', default: 1_000}),
    hold: durationFlag({description: 'longest hold; each is uniform up to it', default: 5}),
    duration: durationFlag({description: 'how long the clients run', default: 20_000, min: 1}),
    history: historyFlag('lock'),
    recheck: recheckFlag,
    report: reportFlag,
  }

  async run() {
    const {flags} = await this.parse(CheckLock)
    const report = flags.recheck
      ? recheckHistory(flags.history, 'lock', lockEventProblem, recheckLockHistory)
      : await this.withProgress(flags.duration, (observer) =>
          runLockCheck({
            dataDir: flags['data-dir'],
            clients: flags.clients,
            locks: flags.locks,
            ttlMs: flags.ttl,
            holdMs: flags.hold,
            durationMs: flags.duration,
            ...this.nemesisOptions(flags, LOCK_FAULTS),
            historyPath: this.historyPath(flags['data-dir'], 'lock', flags.history),
            observer,
          }),
        )
    return this.finish(report, describe(report), report.result.violations.length > 0 ? 1 : 0)
  }
}

function describe(r: LockCheckReport): string {
  const o = r.operations
  const v = r.result.violations
  return [
    renderTable(
      ['clients', 'locks', 'seconds', 'operations', 'ok', 'fail', 'unknown', 'grants', 'faults'],
      [[r.clients, r.locks, r.durationS.toFixed(1), o.invoked, o.ok, o.fail, o.info, r.result.grants, faultsCell(r)]],
    ),
    historyLine(r),
    v.length === 0 ? 'mutual exclusion: held (no overlap, tokens in order)' : `mutual exclusion: VIOLATED ${v.length} times\n${v.slice(0, 10).map((x) => `- ${x.kind} on ${x.lock}: ${x.detail}`).join('\n')}`,
  ].join('\n')
}
