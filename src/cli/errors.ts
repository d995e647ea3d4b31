import {stripVTControlCharacters} from 'node:util'

import {Errors} from '@oclif/core'

import {UsageError} from '../core/common/usage-error.js'

/**
 * The one error policy of the CLI (DESIGN.md, "Conventions every command keeps"):
 * exit 2 for a usage error (a bad flag, flag value or argument, conflicting
 * flags, an unknown command), exit 1 for anything else (the run or check
 * failed, or an error escaped a command unclassified). Every error is one line
 * on stderr; with --json it is also a small `{"error": {"code", "message"}}`
 * document on stdout.
 */
const EXIT_FAILED = 1
const EXIT_USAGE = 2

/** An error from parsing flags and args (oclif's or a flag's parse function) as a one-line usage error. */
export function usageErrorFrom(error: unknown): UsageError {
  let message = error instanceof Error ? error.message : String(error)
  // A parse function's error comes back as "Parsing --NAME \n\tMESSAGE"; ours name their flag already.
  const wrapped = /^Parsing (--\S+) \n\t([\s\S]*)$/.exec(message)
  if (wrapped) message = wrapped[2].includes(wrapped[1]) ? wrapped[2] : `${wrapped[1]}: ${wrapped[2]}`
  // "Missing 1 required arg:" lists each arg with its description, then a note on every multiple-value flag.
  const missing = (error as {args?: Array<{name: string; description?: string}>}).args
  if (message.startsWith('Missing') && missing) message = `missing argument: ${missing.map((a) => `${a.name} (${a.description})`).join(', ')}`
  // "The following errors occurred:\n  A\n  B" (exclusive flags and the like): oneLine() makes it "A; B".
  return new UsageError(message.replace(/^The following errors? occurred:\s*/, ''))
}

/** True when argv asks for --json (before any "--"), as oclif decides for a command. */
export function jsonRequested(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json')
}

/** Prints `error` by the policy above and returns the exit code for it. */
export function reportError(error: unknown, json: boolean): number {
  // this.exit(n) inside a command: an exit code, not an error to print.
  if (error instanceof Errors.ExitError) return error.oclif.exit ?? 0
  // oclif's own errors outside a command (`dsys help nosuch`) are exit 2 by its default: usage errors too.
  const usage = error instanceof UsageError || (error instanceof Errors.CLIError && error.oclif.exit === EXIT_USAGE)
  const message = oneLine(error instanceof Error ? error.message : String(error))
  if (json) process.stdout.write(JSON.stringify({error: {code: usage ? 'usage' : 'failed', message}}, null, 2) + '\n')
  process.stderr.write(`dsys: error: ${message}\n`)
  if (process.env.DEBUG && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n')
  return usage ? EXIT_USAGE : EXIT_FAILED
}

/** oclif ends its parse errors with a hint and dims parts on a terminal; a message over several lines becomes "A; B". */
function oneLine(text: string): string {
  return stripVTControlCharacters(text).replace(/\nSee more help with --help$/, '').trim().replace(/\s*\n\s*/g, '; ')
}
