/** `--report FILE.html` on every bench and check command: the run drawn as a self-contained HTML page. */

import {statSync} from 'node:fs'
import {dirname, resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {UsageError} from '../core/common/usage-error.js'

export const reportFlag = Flags.string({
  description: 'also write this run as a self-contained HTML report (charts; opens offline) to FILE',
  helpValue: 'FILE.html',
})

/** Refuses before the run a `--FLAG` file that could not be written, so a typo does not cost the run. */
export function checkOutputPath(flag: string, path: string | undefined): void {
  if (path === undefined) return
  const dir = dirname(resolve(path))
  if (!statSync(dir, {throwIfNoEntry: false})?.isDirectory()) throw new UsageError(`--${flag} ${path}: the directory ${dir} does not exist`)
  if (statSync(path, {throwIfNoEntry: false})?.isDirectory()) throw new UsageError(`--${flag} ${path} is a directory: name a file`)
}

/** Writes the report, passing or failing run alike (a failing run is the one people most want to look at), and says where on stderr. */
export async function writeRunReport(path: string | undefined, label: string, result: object): Promise<void> {
  if (path === undefined) return
  // Loaded only when asked for: the renderer inlines the charting library.
  const {writeHtmlReport} = await import('../report/html-report.js')
  writeHtmlReport(path, [{label, result: result as Record<string, unknown>}])
  process.stderr.write(`report: ${path}\n`)
}
