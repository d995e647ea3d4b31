import {readFileSync} from 'node:fs'

import {Flags} from '@oclif/core'

import {DsysCommand} from '../../cli/base-command.js'
import {countFlag, numberFlag, positiveIntFlag} from '../../cli/flags.js'
import {type ProgressBar, progressBar} from '../../cli/progress.js'
import {reportFlag} from '../../cli/report-output.js'
import {renderTable} from '../../report/table.js'
import {SeededRng} from '../../core/common/rng.js'
import {
  ALGORITHMS,
  type ChurnReport,
  type ChurnStep,
  DEFAULT_PLACEMENT_OPTIONS,
  keysFromText,
  PlacementInputError,
  planChurn,
  reportNotes,
  resultsTable,
  runChurn,
  stepsTable,
  syntheticKeys,
  type TextTable,
  vnodesSweepTable,
} from '../../core/ring/index.js'
import type {RunInfo} from '../../report/run-info.js'

const vnodesListFlag = Flags.custom<number[]>({
  parse: async (input, _ctx, opts) => {
    const parts = input.split(',').map((p) => p.trim())
    if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1)) {
      throw new Error(`--${opts.name} must be a comma-separated list of positive integers, got "${input}"`)
    }
    return parts.map(Number)
  },
})

export default class RingChurn extends DsysCommand {
  static override summary = 'Offline key-movement statistics: how many keys each placement algorithm moves when nodes join or leave'
  static override description =
    'Places a seeded synthetic key set (or --keys-file) on nodes n0…n{N-1}, applies the membership change and reports keys moved ' +
    'against the ideal |ΔN|/max(N), keys moved between surviving nodes, load balance before and after, lookup throughput and ' +
    'table build time. Hash: xxHash32 (xxhash-wasm).'

  static override examples = [
    '<%= config.bin %> ring churn --algo all --nodes 10 --add 1 --keys 1000000',
    '<%= config.bin %> ring churn --algo jump --nodes 10 --remove-ids n3',
    '<%= config.bin %> ring churn --algo ring --nodes 10 --add 1 --sweep-vnodes 10,50,100,200,500',
    '<%= config.bin %> ring churn --algo all --nodes 5 --steps 10 --keys 200000',
  ]

  static override flags = {
    algo: Flags.string({description: 'placement algorithm', options: [...ALGORITHMS, 'all'], default: 'all'}),
    nodes: positiveIntFlag({description: 'nodes before the change (n0 … n{N-1})', default: 10}),
    add: countFlag({description: 'nodes to add (numbered on from the existing ones)', default: 0}),
    remove: countFlag({description: 'remove the last R nodes', default: 0, exclusive: ['remove-ids']}),
    'remove-ids': Flags.string({description: 'remove these nodes, comma-separated (e.g. n3,n7)'}),
    keys: positiveIntFlag({description: 'synthetic key count', default: 1_000_000, exclusive: ['keys-file']}),
    'keys-file': Flags.string({description: 'file with one key per line (duplicates dropped) instead of synthetic keys'}),
    seed: countFlag({description: 'seed of the synthetic key set', default: 1}),
    vnodes: positiveIntFlag({description: 'virtual nodes per node (ring, bounded)', default: DEFAULT_PLACEMENT_OPTIONS.vnodes}),
    epsilon: numberFlag(0, 100)({description: 'bounded: load cap factor, max ≤ ceil((1+ε)·keys/N)', default: DEFAULT_PLACEMENT_OPTIONS.epsilon}),
    probes: positiveIntFlag({description: 'multiprobe: hashes per key', default: DEFAULT_PLACEMENT_OPTIONS.probes}),
    'table-size': positiveIntFlag({description: 'maglev: table size, a prime ≥ 100·N advised', default: DEFAULT_PLACEMENT_OPTIONS.tableSize}),
    'sweep-vnodes': vnodesListFlag({description: 'also measure the change for each vnodes value (ring, bounded), e.g. 10,50,100,200,500'}),
    steps: countFlag({description: 'also add nodes one at a time from --nodes, this many times', default: 0}),
    report: reportFlag,
  }

  async run(): Promise<ChurnReport & {workload: 'ring-churn'; keySource: {seed: number} | {file: string}; run: RunInfo}> {
    const {flags} = await this.parse(RingChurn)
    const removeIds = flags['remove-ids']?.split(',').map((id) => id.trim()) ?? []
    if (flags.add === 0 && flags.remove === 0 && removeIds.length === 0 && flags.steps === 0) {
      this.usageError('nothing to measure: pass --add, --remove, --remove-ids or --steps')
    }
    const plan = this.orInputError(() => planChurn({nodes: flags.nodes, add: flags.add, remove: flags.remove, removeIds}))
    const keysFile = flags['keys-file']
    const keys = keysFile === undefined ? syntheticKeys(flags.keys, new SeededRng(flags.seed)) : this.readKeys(keysFile)
    const algorithms = flags.algo === 'all' ? ALGORITHMS : ALGORITHMS.filter((a) => a === flags.algo)
    this.note(`placing ${keys.length} keys with ${algorithms.join(', ')}…`)
    // On stderr, a terminal only: which algorithm and step is being computed.
    let progress: ProgressBar | undefined
    const onStep = (step: ChurnStep): void => {
      progress ??= progressBar('ring churn [{bar}] {value}/{total} measured | now: {label}', step.total, {label: step.label})
      progress.update(step.done, {label: step.label})
    }
    let report: ChurnReport
    try {
      report = this.orInputError(() =>
        runChurn(
          {
            algorithms,
            plan,
            keys,
            options: {vnodes: flags.vnodes, epsilon: flags.epsilon, probes: flags.probes, tableSize: flags['table-size'], expectedKeys: 0},
            sweepVnodes: flags['sweep-vnodes'] ?? [],
            steps: flags.steps,
            onStep,
          },
          () => performance.now(),
        ),
      )
    } finally {
      progress?.stop()
    }
    if (!this.jsonEnabled()) this.print(report)
    const result = {workload: 'ring-churn' as const, ...report, keySource: keysFile === undefined ? {seed: flags.seed} : {file: keysFile}, run: this.describeRun()}
    await this.writeReport(result)
    return result
  }

  /** Bad input from the core becomes one clear error line and a non-zero exit; anything else is a bug and propagates. */
  private orInputError<T>(compute: () => T): T {
    try {
      return compute()
    } catch (error) {
      if (error instanceof PlacementInputError) this.usageError(error.message)
      throw error
    }
  }

  private readKeys(path: string): string[] {
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (error) {
      this.usageError(`cannot read --keys-file ${path}: ${(error as Error).message}`)
    }
    const keys = keysFromText(text)
    if (keys.length === 0) this.usageError(`--keys-file ${path} has no keys`)
    return keys
  }

  private print(report: ChurnReport): void {
    const change = [...report.added.map((id) => `+${id}`), ...report.removed.map((id) => `-${id}`)].join(' ')
    this.log(`${report.nodesBefore} → ${report.nodesAfter} nodes (${change || 'no change'}), ${report.keys} keys`)
    if (report.added.length + report.removed.length > 0) this.log(this.render(resultsTable(report.results)))
    if (report.vnodesSweep.length > 0) this.log('vnodes sweep\n' + this.render(vnodesSweepTable(report.vnodesSweep)))
    if (report.steps.length > 0) this.log('adding one node at a time\n' + this.render(stepsTable(report.steps)))
    for (const note of reportNotes(report)) this.log(`note: ${note}`)
  }

  private render(table: TextTable): string {
    return renderTable(table.head, table.rows)
  }
}
