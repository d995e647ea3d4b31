import {flush, run} from '@oclif/core'

import {jsonRequested, reportError} from './errors.js'

/**
 * The entry point (bin/run.js): runs the command named by argv and reports any
 * error that reaches here, from a command or from oclif itself (an unknown
 * command, a bad help topic), by the one policy in errors.ts.
 */
export async function main(root: string, argv = process.argv.slice(2)): Promise<void> {
  try {
    await run(argv, root)
    await flush()
  } catch (error) {
    // Exit now, as oclif does: a failed run may leave sockets or timers open.
    process.exit(reportError(error, jsonRequested(argv)))
  }
}
