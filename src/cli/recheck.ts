/** `dsys check … --history FILE --recheck`: the checker alone, on a history written earlier. */

import {readFileSync} from 'node:fs'

import {Flags} from '@oclif/core'

import {MalformedHistoryError, parseHistory} from '../core/check/history-format.js'
import {UsageError} from '../core/common/usage-error.js'

/** The flags a re-check takes besides --recheck: the ones of a live run (faults, clients, duration…) would mean nothing and are refused. */
const RECHECK_FLAGS = ['history', 'report', 'json', 'data-dir']

export const recheckFlag = Flags.boolean({
  description: `only run the checker on the history in --history FILE (written earlier by dsys, or by another tool in the same format): no cluster is needed, and the flags of a live run are refused; the verdict and exit code are a live check's`,
  combinable: RECHECK_FLAGS,
})

/**
 * `check` (a command's re-check: its history, and the path to report) on the
 * events of the history in `path`, each checked by `problemOf`: a missing
 * file, an empty one, a malformed line (the line named) or no --history at
 * all is a usage error.
 */
export function recheckHistory<E, R>(
  path: string | undefined,
  kind: string,
  problemOf: (event: Record<string, unknown>) => string | undefined,
  check: (history: readonly E[], path: string) => R,
): R {
  if (path === undefined) throw new UsageError('--recheck needs --history FILE: the history to check')
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read the history ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`)
  }
  let history: E[]
  try {
    history = parseHistory<E>(text, path, kind, problemOf)
  } catch (err) {
    throw err instanceof MalformedHistoryError ? new UsageError(err.message) : err
  }
  return check(history, path)
}
