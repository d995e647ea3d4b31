import {DsysCommand} from '../../cli/base-command.js'
import {durationFlag, positiveIntFlag} from '../../cli/flags.js'
import {renderTable} from '../../cli/table.js'
import {runTxnCheck, TxnCheckReport} from '../../core/check/bank-check.js'
import {nemesisFlags, parseFaults} from '../../cli/faults.js'
import {FAULTS} from '../../core/check/nemesis.js'

export default class CheckTxn extends DsysCommand {
  static override summary = 'Check 2PC atomicity with bank transfers under crashes and partitions, Jepsen style'
  static override description = `Opens fresh accounts, then transfers money between two of them at a time (each transfer conditioned on the balances it read) while audits read every balance in one transaction, and a nemesis kills the coordinator or a participant, or cuts a participant off from the coordinator, one at a time. After the run the cluster must settle with nothing in doubt; the final balances and every committed audit must sum to the money put in. Exit code 1 when they do not.`
  static override examples = ['<%= config.bin %> check txn --duration 30s', '<%= config.bin %> check txn --faults partition --fault-interval 3s --json']

  static override flags = {
    ...nemesisFlags(FAULTS),
    clients: positiveIntFlag({description: 'concurrent transfer loops', default: 8}),
    accounts: positiveIntFlag({description: 'accounts, spread over the participants', default: 100}),
    duration: durationFlag({description: 'how long the transfers run', default: 20_000}),
  }

  async run() {
    const {flags} = await this.parse(CheckTxn)
    if (flags.accounts < 2) this.error('--accounts must be at least 2: a transfer needs two accounts')
    const report = await runTxnCheck({
      dataDir: flags['data-dir'],
      accounts: flags.accounts,
      prefix: `bank-${Date.now().toString(36)}-`,
      clients: flags.clients,
      durationMs: flags.duration,
      faults: parseFaults(flags.faults, FAULTS, (message) => this.error(message)),
      faultIntervalMs: flags['fault-interval'],
      seed: flags.seed ?? Date.now() % 1_000_000,
    })
    if (!this.jsonEnabled()) this.log(describe(report))
    if (report.problems.length > 0) {
      if (this.jsonEnabled()) this.log(JSON.stringify(report, null, 2))
      this.exit(1)
    }
    return report
  }
}

function describe(r: TxnCheckReport): string {
  const outcomes = Object.entries(r.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')
  return [
    renderTable(
      ['accounts', 'clients', 'seconds', 'transfers', 'committed audits', 'final sum', 'faults'],
      [[r.accounts, r.clients, r.durationS.toFixed(1), outcomes, r.auditSums.length, `${r.finalSum} of ${r.total}`, r.faults.map((f) => `${f.atS.toFixed(1)}s ${f.action} ${f.node}`).join('\n') || '-']],
    ),
    `seed ${r.seed}`,
    r.problems.length === 0 ? 'atomic: yes (nothing in doubt after the run, every total kept)' : `atomic: NO\n${r.problems.map((p) => `- ${p}`).join('\n')}`,
  ].join('\n')
}
