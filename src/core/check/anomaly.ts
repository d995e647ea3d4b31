/** What a failed check puts in its report for people and the HTML report: the operations around the anomaly, the offending ones marked. */

import {OperationEvent, PairedOperation} from './history-operations.js'

export interface AnomalyOperation {
  process: number | string
  f: string
  /** 1-based history line of the invocation. */
  line: number
  /** Times in ms since the history's first event. */
  startMs: number
  /** Null when it never returned a definite answer (unknown outcome, or still open when the history ended). */
  endMs: number | null
  type: 'ok' | 'fail' | 'info'
  input?: unknown
  output?: unknown
  marked: boolean
}

export interface Anomaly {
  key?: string
  /** What is wrong, in plain words. */
  explanation: string
  operations: AnomalyOperation[]
}

/** Most operations an anomaly shows: the offending ones and the nearest of the rest. */
const ANOMALY_OPERATIONS_MAX = 40

/** What an operation asked and what it got, for a report; by default its events' `value`s. */
export type OperationValues<E extends OperationEvent> = (op: PairedOperation<E>) => {input?: unknown; output?: unknown}

function eventValues<E extends OperationEvent & {value?: unknown}>(op: PairedOperation<E>): {input?: unknown; output?: unknown} {
  return {input: op.invoke.value ?? undefined, output: op.completion?.value}
}

/** `op` as an anomaly operation, times relative to `originMs`. */
function anomalyOperation<E extends OperationEvent>(op: PairedOperation<E>, originMs: number, marked: boolean, values: OperationValues<E>): AnomalyOperation {
  const c = op.completion
  const type = c && (c.type === 'ok' || c.type === 'fail') ? c.type : 'info'
  const {input, output} = values(op)
  return {
    process: op.invoke.process!,
    f: op.invoke.f ?? '',
    line: op.line,
    startMs: round(op.invoke.time - originMs),
    endMs: type === 'info' ? null : round(c!.time - originMs),
    type,
    input,
    output: type === 'ok' ? output : undefined,
    marked,
  }
}

/**
 * The marked operations of `ops` and, around them, the others nearest in time
 * to the marked ones' span, up to ANOMALY_OPERATIONS_MAX, in history order.
 */
export function aroundMarked<E extends OperationEvent>(
  ops: ReadonlyArray<PairedOperation<E>>,
  isMarked: (op: PairedOperation<E>) => boolean,
  originMs: number,
  values: OperationValues<E> = eventValues as OperationValues<E>,
): AnomalyOperation[] {
  const all = ops.map((op) => anomalyOperation(op, originMs, isMarked(op), values))
  const marked = all.filter((o) => o.marked)
  const from = Math.min(...marked.map((o) => o.startMs))
  const to = Math.max(...marked.map((o) => o.endMs ?? o.startMs))
  const distance = (o: AnomalyOperation) => Math.max(0, from - (o.endMs ?? Infinity), o.startMs - to)
  const others = all.filter((o) => !o.marked).sort((a, b) => distance(a) - distance(b))
  return [...marked, ...others.slice(0, Math.max(0, ANOMALY_OPERATIONS_MAX - marked.length))].sort((a, b) => a.line - b.line)
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000
}
