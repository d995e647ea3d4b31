/** What every check does with its history: write it as JSON Lines and count its outcomes. */

import {mkdirSync, writeFileSync} from 'node:fs'
import {dirname} from 'node:path'

/** Writes a history as JSON Lines, one event per line, creating its directory. */
export function writeHistory(path: string, events: readonly object[]): void {
  mkdirSync(dirname(path), {recursive: true})
  writeFileSync(path, events.map((e) => JSON.stringify(e)).join('\n') + '\n')
}

export interface OutcomeCounts {
  invoked: number
  ok: number
  fail: number
  info: number
}

/** How many operations a history invoked and how they ended. */
export function outcomeCounts(events: ReadonlyArray<{type: 'invoke' | 'ok' | 'fail' | 'info'}>): OutcomeCounts {
  const counts: OutcomeCounts = {invoked: 0, ok: 0, fail: 0, info: 0}
  for (const e of events) counts[e.type === 'invoke' ? 'invoked' : e.type]++
  return counts
}
