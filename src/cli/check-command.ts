import {join} from 'node:path'

import {Flags} from '@oclif/core'

import type {CheckObserver, Fault, FaultEvent} from '../check/nemesis.js'
import type {RunInfo} from '../report/run-info.js'
import {DsysCommand, exitAfterRun} from './base-command.js'
import {durationFlag, positiveIntFlag} from './flags.js'
import {checkProgress} from './progress.js'

/** The nemesis flags of a `dsys check` command whose subsystem can suffer `faults` (`defaults` of them unless told, all by default). */
export function nemesisFlags(faults: readonly Fault[], defaults = faults) {
  return {
    faults: Flags.string({description: `comma-separated faults to inject: ${faults.join(', ')}, or none`, default: defaults.join(',')}),
    'fault-interval': durationFlag({description: 'how long each fault lasts, and the pause before the next', default: 3_000}),
    seed: positiveIntFlag({description: "seed of the clients' and the nemesis' choices (default: from the clock)"}),
  }
}

/** `--history FILE`: where a check writes its history, JSON Lines (by default under <data-dir>/check/). */
export function historyFlag(name: string) {
  return Flags.string({description: `where to write the history (default: <data-dir>/check/${name}-<time>.jsonl); with --recheck, the history to check`})
}

/** `--faults kill,pause` (or `none`) as a list; a name not in `allowed` goes to `fail` with the choices. */
function parseFaults(text: string, allowed: readonly Fault[], fail: (message: string) => never): Fault[] {
  if (text.trim() === 'none') return []
  const names = text.split(',').map((f) => f.trim())
  const unknown = names.find((f) => !(allowed as readonly string[]).includes(f))
  if (unknown !== undefined) fail(`unknown fault "${unknown}" here; choose from: ${allowed.join(', ')}, none`)
  return names as Fault[]
}

/** A `dsys check` command: nemesis options from its flags, a default history file, and its verdict as the exit code. */
export abstract class CheckCommand extends DsysCommand {
  /** The nemesis options every check runner takes, from the flags of nemesisFlags. */
  protected nemesisOptions(flags: {faults: string; 'fault-interval': number; seed?: number}, allowed: readonly Fault[]) {
    return {
      faults: parseFaults(flags.faults, allowed, (message) => this.usageError(message)),
      faultIntervalMs: flags['fault-interval'],
      seed: flags.seed ?? Date.now() % 1_000_000,
    }
  }

  /** `chosen` (--history), else `<data-dir>/check/<name>-<time>.jsonl`: where a check writes its history. */
  protected historyPath(dataDir: string, name: string, chosen?: string): string {
    return chosen ?? join(dataDir, 'check', `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`)
  }

  /** Runs a check with its progress on stderr (a terminal only): seconds of `durationMs`, operations and faults so far. */
  protected async withProgress<R>(durationMs: number, check: (observer: CheckObserver) => Promise<R>): Promise<R> {
    const progress = checkProgress(durationMs)
    try {
      return await check(progress.observer)
    } finally {
      progress.stop()
    }
  }

  /** Shows the report (`text` for people; with --json oclif prints what run() returns) and exits with `exitCode`. */
  protected async finish<R extends object>(report: R, text: string, exitCode: number): Promise<R & {run: RunInfo}> {
    const result = {...report, run: this.describeRun()}
    if (!this.jsonEnabled()) this.log(text)
    await this.writeReport(result)
    exitAfterRun(exitCode)
    return result
  }
}

/** The faults column of a check's table; a re-check does not know them (a history does not record them). */
export function faultsCell(r: {faults: readonly FaultEvent[]; rechecked?: true}): string {
  if (r.rechecked) return 'not in the history'
  return r.faults.map((f) => `${f.atS.toFixed(1)}s ${f.action} ${f.node}`).join('\n') || '-'
}

/** Where a check's history is, and how to run it again: its seed, or that this was a re-check of the file. */
export function historyLine(r: {history: string; seed?: number; rechecked?: true}): string {
  return `history: ${r.history} (${r.rechecked ? 're-checked: only the checker ran' : `seed ${r.seed}`})`
}
