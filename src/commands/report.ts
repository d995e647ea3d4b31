import {Args, Flags} from '@oclif/core'

import {DsysCommand, exitAfterRun} from '../cli/base-command.js'
import {type Comparison, compareResults, formatComparison, regressions} from '../report/compare.js'
import {writeHtmlReport} from '../report/html-report.js'
import {readResultFile} from '../report/result-file.js'

export default class Report extends DsysCommand {
  static override summary = 'Render saved results as one self-contained HTML report, or compare runs side by side'
  static override description =
    'Reads results saved with --json (bench, check, ring churn) and HDR interval logs written by --hdr-log, told apart by their content. ' +
    'With --out, writes one HTML file that opens with no network: throughput and latency over time with faults shaded, latency by percentile, ' +
    'per-workload charts, check verdicts and anomalies, and how each run was made. With --compare, puts two or more bench runs side by side ' +
    'with ratios against the first, in the terminal (or as JSON with --json) and in the HTML; --fail-if-worse makes it a regression gate.'

  static override examples = [
    '<%= config.bin %> report lock.json kv.json --out report.html',
    '<%= config.bin %> report --compare before.json after.json',
    '<%= config.bin %> report --compare dsys.json etcd.json --out compare.html --fail-if-worse 10 --percentiles p50,p99',
    '<%= config.bin %> report run.hdrlog --out latency.html',
  ]

  static override strict = false

  static override args = {
    files: Args.string({description: 'result files (JSON from --json) or HDR logs (from --hdr-log)', required: true}),
  }

  static override flags = {
    out: Flags.string({description: 'write the HTML report here'}),
    title: Flags.string({description: 'title of the HTML report (default: from the runs)'}),
    compare: Flags.boolean({description: 'compare two or more bench results: ratios against the first', default: false}),
    'fail-if-worse': Flags.string({description: 'with --compare: exit 1 when a later run is worse than the first by more than this percent on throughput or a --percentiles latency'}),
    percentiles: Flags.string({description: 'with --fail-if-worse: latencies to gate besides throughput, comma-separated (e.g. p50,p99,read.p99)', default: 'p99'}),
  }

  async run(): Promise<Comparison | {written: string}> {
    const {argv, flags} = await this.parse(Report)
    if (!flags.compare && flags['fail-if-worse'] !== undefined) this.usageError('--fail-if-worse needs --compare')
    if (!flags.compare && !flags.out) this.usageError('nothing to do: give --out FILE.html, --compare, or both')
    const failIfWorse = flags['fail-if-worse'] === undefined ? undefined : Number(flags['fail-if-worse'].replace(/%$/, ''))
    if (failIfWorse !== undefined && !(Number.isFinite(failIfWorse) && failIfWorse >= 0)) {
      this.usageError(`--fail-if-worse must be a percentage of 0 or more, got "${flags['fail-if-worse']}"`)
    }
    // Every file is read and checked before anything is written: a bad one leaves no report behind.
    const inputs = (argv as string[]).map(readResultFile)
    const percentiles = flags.percentiles.split(',').map((p) => p.trim())
    const comparison = flags.compare ? compareResults(inputs, {percentiles}) : undefined
    const failed = comparison && failIfWorse !== undefined ? regressions(comparison, {failIfWorsePct: failIfWorse, percentiles}) : []
    if (flags.out) writeHtmlReport(flags.out, inputs, {title: flags.title, comparison})
    if (comparison && !this.jsonEnabled()) this.log(formatComparison(comparison))
    if (flags.out && !this.jsonEnabled()) this.log(`report: ${flags.out}`)
    if (failed.length > 0) {
      this.note(`regressions (more than ${failIfWorse}% worse than ${comparison!.runs[0].label}):\n${failed.map((f) => `  ${f}`).join('\n')}`)
      exitAfterRun(1)
    }
    return comparison ?? {written: flags.out!}
  }
}
