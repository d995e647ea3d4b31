/** What every check does with its history: write it as JSON Lines and count its outcomes. */

import {mkdirSync, writeFileSync} from 'node:fs'
import {dirname} from 'node:path'

import {historySpanS, OperationEvent} from './history-operations.js'
import type {CheckObserver, FaultEvent} from './nemesis.js'

type Outcome = 'invoke' | 'ok' | 'fail' | 'info'

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

export interface OutcomeCounts {
  invoked: number
  ok: number
  fail: number
  info: number
}

/** How many operations a history invoked and how they ended. */
export function outcomeCounts(events: ReadonlyArray<{type: Outcome}>): OutcomeCounts {
  const counts: OutcomeCounts = {invoked: 0, ok: 0, fail: 0, info: 0}
  for (const e of events) counts[e.type === 'invoke' ? 'invoked' : e.type]++
  return counts
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
