import {Command, Flags, Interfaces} from '@oclif/core'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof DsysCommand)['baseFlags'] & T['flags']>

/**
 * Every dsys command: `--json` (one JSON document on stdout, nothing else
 * there) and `--data-dir` (where cluster state lives). Errors are one clear
 * line on stderr and a non-zero exit.
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
