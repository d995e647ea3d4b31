import {Command, Flags, Interfaces} from '@oclif/core'

import {runInfo, type RunInfo} from '../report/run-info.js'
import {usageErrorFrom} from './errors.js'
import {UsageError} from '../core/common/usage-error.js'
import {checkOutputPath, writeRunReport} from './report-output.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as oclif's FlagOutput and ArgOutput, which it does not export
type Output = {[name: string]: any}

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof DsysCommand)['baseFlags'] & T['flags']>

/**
 * Every dsys command: `--json` (one JSON document on stdout, nothing else
 * there) and `--data-dir` (where cluster state lives). Errors are one clear
 * line on stderr and a non-zero exit: usageError() exits 2, fail() and any
 * other error 1 (the policy is in errors.ts, applied by main.ts).
 */
export abstract class DsysCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    'data-dir': Flags.string({
      description: 'directory holding cluster.json, node data and logs',
      default: '.dsys',
      helpGroup: 'GLOBAL',
    }),
  }

  /** A bad flag, flag value or argument, or conflicting flags: exit 2. */
  protected usageError(message: string): never {
    throw new UsageError(message)
  }

  /** The run or check failed (target unreachable, cluster not up, result wrong): exit 1. */
  protected fail(message: string): never {
    throw new Error(message)
  }

  private parsedFlags: Record<string, unknown> = {}
  private readonly startedAt = new Date()

  /** Whatever oclif or a flag's parse function rejects is a usage error. */
  protected override async parse<F extends Output, B extends Output, A extends Output>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    try {
      const parsed = await super.parse(options, argv)
      this.parsedFlags = parsed.flags
      checkOutputPath('report', parsed.flags.report)
      return parsed
    } catch (error) {
      throw usageErrorFrom(error)
    }
  }

  /** With `--report FILE.html`: the result drawn as an HTML page (the run's own label is its command, e.g. `bench lock`). */
  async writeReport(result: object): Promise<void> {
    await writeRunReport(this.parsedFlags.report as string | undefined, (this.id ?? 'dsys').replace(/:/g, ' '), result)
  }

  /** Where this run's result came from (the `run` field of bench and check results): the command as typed, its flags, version, machine. */
  describeRun(): RunInfo {
    const {json: _json, ...params} = this.parsedFlags
    return runInfo([...(this.id ?? '').split(':'), ...this.argv], params, this.startedAt)
  }

  /** Not oclif's printing (a 170 KB JSON dump with --json): main.ts reports every error, from a command or not, the same way. */
  protected override async catch(error: Error): Promise<never> {
    throw error
  }

  /** Progress and notes for people: stderr, and never in --json mode's stdout. */
  protected note(message: string): void {
    process.stderr.write(message + '\n')
  }
}

/**
 * Makes the command exit with `code` once run() has returned its result. Not
 * Command.exit(): it throws, and with --json oclif then prints an EEXIT error
 * instead of the report the failure is about.
 */
export function exitAfterRun(code: number): void {
  process.exitCode = code
}
