/** What every check run does with its history: record it, tell the observer, write it as JSON Lines. */

import {mkdirSync, writeFileSync} from 'node:fs'
import {dirname} from 'node:path'

import {historySpanS, OperationEvent} from '../core/check/history-operations.js'
import type {CheckObserver, FaultEvent} from './nemesis.js'

/** A history being recorded: every event kept in order, every outcome (ok, fail, info) told to the observer. */
export class History<E extends {type: string}> {
  readonly events: E[] = []

  constructor(private readonly observer?: CheckObserver) {}

  push(event: E): void {
    this.events.push(event)
    if (event.type === 'ok' || event.type === 'fail' || event.type === 'info') this.observer?.operation?.()
  }
}

/** Writes a history as JSON Lines, one event per line, creating its directory. */
export function writeHistory(path: string, events: readonly object[]): void {
  mkdirSync(dirname(path), {recursive: true})
  writeFileSync(path, events.map((e) => JSON.stringify(e)).join('\n') + '\n')
}

/**
 * What a re-check's report knows of the run from its history alone: the
 * processes that ran operations (those of `f` when given), how long it ran,
 * and where the file is; no faults (a history does not record them) and no seed.
 */
export function recheckedRun(
  history: readonly OperationEvent[],
  path: string,
  f?: string,
): {rechecked: true; clients: number; durationS: number; faults: FaultEvent[]; history: string} {
  const processes = new Set(history.flatMap((e) => (e.process !== undefined && (f === undefined || e.f === f) ? [e.process] : [])))
  return {rechecked: true, clients: processes.size, durationS: historySpanS(history), faults: [], history: path}
}
