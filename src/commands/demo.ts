import {join, resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {DsysCommand, exitAfterRun} from '../cli/base-command.js'
import {defaultOutDirName, type DemoSummary, prepareOutDir, removeIfEmpty, runDemo} from '../cli/demo/run-demo.js'
import {renderTable} from '../report/table.js'

/** Exit codes of a run stopped by a signal, as a shell reports them (128 + the signal's number). */
const SIGNAL_EXIT = {SIGINT: 130, SIGTERM: 143} as const

export default class Demo extends DsysCommand {
  static override summary = 'A tour for a new user: start a cluster, run a short benchmark of each subsystem and a check, write one HTML report, stop'
  static override description =
    'Everything goes into one new directory (--out, default ./dsys-demo-<time>/): the cluster (removed at the end), each step\'s --json result, check kv\'s history and report.html. About a minute on 2 cores. A failed step is reported and the others still run (exit 1 at the end); Ctrl-C stops the running step and the cluster (exit 130).'

  static override examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --out /tmp/dsys-demo', '<%= config.bin %> demo --json']

  // No --data-dir: the cluster's directory is inside --out, so everything the demo writes is in one place.
  // (Typed as the base's to satisfy oclif's static side; run() reads none of them.)
  static override baseFlags = {} as typeof DsysCommand.baseFlags

  static override flags = {
    out: Flags.string({description: 'new or empty directory for everything the demo writes (default: ./dsys-demo-<time>/ here, kept so you can open the report and re-read the results)'}),
    quick: Flags.boolean({description: 'seconds-long steps, for tests', hidden: true}),
  }

  async run(): Promise<DemoSummary> {
    const {flags} = await this.parse(Demo)
    const outDir = resolve(flags.out ?? defaultOutDirName(new Date()))
    const created = prepareOutDir(outDir)
    const controller = new AbortController()
    let stoppedBy: keyof typeof SIGNAL_EXIT | undefined
    const onSignal = (name: keyof typeof SIGNAL_EXIT) => {
      if (stoppedBy) return
      stoppedBy = name
      controller.abort() // the running step's line ends with 'interrupted' at once, then the cluster stops
    }
    const onInt = () => onSignal('SIGINT')
    const onTerm = () => onSignal('SIGTERM')
    process.on('SIGINT', onInt).on('SIGTERM', onTerm)
    let summary: DemoSummary
    try {
      this.note(`dsys demo: everything goes into ${outDir}`)
      summary = await runDemo({bin: join(this.config.root, 'bin', 'run.js'), outDir, quick: flags.quick, signal: controller.signal, write: (text) => process.stderr.write(text)})
    } catch (error) {
      if (created) removeIfEmpty(outDir)
      throw error
    } finally {
      process.off('SIGINT', onInt).off('SIGTERM', onTerm)
    }
    if (!this.jsonEnabled()) this.log(formatSummary(summary))
    if (stoppedBy) {
      this.note(`interrupted: the cluster is stopped; the results so far are in ${outDir}`)
      exitAfterRun(SIGNAL_EXIT[stoppedBy])
    } else if (summary.failed.length > 0) {
      this.note(`dsys demo: ${summary.failed.length} step(s) failed: ${summary.failed.join(', ')}`)
      exitAfterRun(1)
    }
    return summary
  }
}

function formatSummary(s: DemoSummary): string {
  const rows = s.steps.map((step) => [step.name, step.status, `${step.seconds.toFixed(1)} s`, step.summary])
  const lines = [renderTable(['step', 'status', 'took', 'result'], rows, [14, 13, 8, 64])]
  lines.push(`${s.steps.length} steps in ${s.seconds.toFixed(0)} s; results in ${s.outDir}`)
  if (s.report) lines.push(`report: ${s.report}`)
  return lines.join('\n')
}
