import {CheckCommand, faultsCell, historyFlag, historyLine, nemesisFlags} from '../../cli/check-command.js'
import {countFlag, durationFlag, positiveIntFlag} from '../../cli/flags.js'
import {recheckFlag, recheckHistory} from '../../cli/recheck.js'
import {reportFlag} from '../../cli/report-output.js'
import {renderTable} from '../../report/table.js'
import {MIN_AUDITS_PER_S, recheckBankHistory, runTxnCheck, TxnCheckReport} from '../../check/bank-check.js'
import {bankEventProblem, type BankEvent} from '../../core/check/bank-history.js'
import {FAULTS} from '../../check/nemesis.js'

export default class CheckTxn extends CheckCommand {
  static override summary = 'Check 2PC atomicity with bank transfers under crashes and partitions, Jepsen style'
  static override description = `Opens fresh accounts, then transfers money between two of them at a time (each transfer conditioned on the balances it read) while audits read every balance inside one transaction (shared locks held to the commit, so a committed audit is a consistent snapshot; at least --min-audits must commit), and a nemesis kills or pauses (SIGSTOP) the coordinator or a participant, or cuts a participant off from the coordinator, one at a time. After the run the cluster must settle with nothing in doubt; the final balances and every committed audit must sum to the money put in. With --recheck, only the checker runs, on the history in --history. Exit code 1 when they do not.`
  static override examples = ['<%= config.bin %> check txn --duration 30s', '<%= config.bin %> check txn --faults partition --fault-interval 3s --json']

  static override flags = {
    ...nemesisFlags(FAULTS),
    clients: positiveIntFlag({description: 'concurrent transfer loops', default: 8}),
    accounts: positiveIntFlag({description: 'accounts, spread over the participants', default: 100}),
    duration: durationFlag({description: 'how long the transfers run', default: 20_000, min: 1}),
    'min-audits': countFlag({description: `fail unless at least this many audits commit during the run (default: ${MIN_AUDITS_PER_S} per second of --duration; with --recheck: 0)`}),
    history: historyFlag('txn'),
    recheck: recheckFlag,
    report: reportFlag,
  }

  async run() {
    const {flags} = await this.parse(CheckTxn)
    if (flags.accounts < 2) this.usageError('--accounts must be at least 2: a transfer needs two accounts')
    const report = flags.recheck
      ? recheckHistory(flags.history, 'bank', bankEventProblem, (history: readonly BankEvent[], path: string) => recheckBankHistory(history, path, flags['min-audits'] ?? 0))
      : await this.withProgress(flags.duration, (observer) =>
          runTxnCheck({
            dataDir: flags['data-dir'],
            accounts: flags.accounts,
            prefix: `bank-${Date.now().toString(36)}-`,
            clients: flags.clients,
            durationMs: flags.duration,
            minAudits: flags['min-audits'] ?? Math.floor((flags.duration / 1000) * MIN_AUDITS_PER_S),
            ...this.nemesisOptions(flags, FAULTS),
            historyPath: this.historyPath(flags['data-dir'], 'txn', flags.history),
            observer,
          }),
        )
    return this.finish(report, describe(report), report.problems.length > 0 ? 1 : 0)
  }
}

function describe(r: TxnCheckReport): string {
  const outcomes = Object.entries(r.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')
  return [
    renderTable(
      ['accounts', 'clients', 'seconds', 'transfers', 'committed audits (min)', 'final sum', 'faults'],
      [[r.accounts, r.clients, r.durationS.toFixed(1), outcomes, `${r.committedAudits} (${r.minAudits})`, `${r.finalSum} of ${r.total}`, faultsCell(r)]],
    ),
    historyLine(r),
    // Not "atomic: NO": a run can fail for testing too little (too few audits, no transfer) with atomicity intact.
    r.problems.length === 0 ? 'atomic: yes (nothing in doubt after the run, every total kept)' : `bank check failed:\n${r.problems.map((p) => `- ${p}`).join('\n')}`,
  ].join('\n')
}
