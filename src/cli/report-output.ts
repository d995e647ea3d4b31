/** `--report FILE.html` on every bench and check command: the run drawn as a self-contained HTML page. */

import {existsSync, statSync} from 'node:fs'
import {dirname, resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {UsageError} from '../core/common/usage-error.js'

export const reportFlag = Flags.string({
  description: 'also write this run as a self-contained HTML report (charts; opens offline) to FILE',
  helpValue: 'FILE.html',
})

/** Refused before anything runs: a report the run could not write would lose the run. */
export function checkReportPath(path: string | undefined): void {
  if (path === undefined) return
  const dir = dirname(resolve(path))
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--report ${path}: the directory ${dir} does not exist`)
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`--report ${path} is a directory; name a file such as ${path}/report.html`)
}

/** Writes the report, passing or failing run alike (a failing run is the one people most want to look at), and says where on stderr. */
export async function writeRunReport(path: string | undefined, label: string, result: object): Promise<void> {
  if (path === undefined) return
  // Loaded only when asked for: the renderer inlines the charting library.
  const {writeHtmlReport} = await import('../report/html-report.js')
  writeHtmlReport(path, [{label, result: result as Record<string, unknown>}])
  process.stderr.write(`report: ${path}\n`)
}
