import {mkdirSync, writeFileSync} from 'node:fs'
import {dirname} from 'node:path'

/** Writes a history as JSON Lines, one event per line, creating its directory. */
export function writeHistory(path: string, events: readonly object[]): void {
  mkdirSync(dirname(path), {recursive: true})
  writeFileSync(path, events.map((e) => JSON.stringify(e)).join('\n') + '\n')
}
