/**
 * Why a KV history is not linearizable, in the fewest operations: the
 * shortest prefix of the failing key's history that is already not
 * linearizable, the operation whose outcome broke it, and the values that
 * operation could have seen. Knossos and Porcupine report the operation the
 * search got stuck on; the shortest prefix cuts away everything after the
 * anomaly, so what is left is what a person has to read.
 */

import {Anomaly, aroundMarked} from './anomaly.js'
import {historyOrigin, pairOperations} from './history-operations.js'
import {KvEvent, KvOperation, operations} from './kv-history.js'
import {checkKvHistory, registerLinearizable} from './register-linearizability.js'

export interface KvExplanation {
  key: string
  /** The shortest failing prefix of the key's history: how many of the key's events, and the history line (1-based) of its last. */
  prefixEvents: number
  prefixLastLine: number
  /** The operation that cannot be placed: the one whose outcome ends the prefix. Its `index` is its history line − 1. */
  operation: KvOperation
  /** Each value the register could have held at a point where the operation could take effect, the rest of the prefix kept (null: the key absent). */
  couldHaveSeen: Array<string | null>
  /** The write that had completed last before the operation began, if one had (what a stale read missed). */
  lastCompletedWrite: KvOperation | undefined
}

/**
 * The explanation for `key`, whose history in `history` is not linearizable
 * (undefined if it is). A prefix can only add constraints as it grows (an
 * open operation may take effect late or never; its outcome only narrows
 * that), so the shortest failing prefix is found by bisection, and its last
 * event is an outcome.
 */
export function explainKvKey(history: readonly KvEvent[], key: string, maxSteps?: number): KvExplanation | undefined {
  const lines: number[] = []
  history.forEach((e, i) => e.key === key && lines.push(i))
  const keyEvents = lines.map((i) => history[i])
  // The check of the shortest failing prefix: where its search got stuck.
  let stuck = checkKvHistory(keyEvents, maxSteps)
  if (stuck.linearizable !== false) return undefined
  let [passing, failing] = [0, keyEvents.length]
  while (failing - passing > 1) {
    const mid = (passing + failing) >> 1
    const result = checkKvHistory(keyEvents.slice(0, mid), maxSteps)
    if (result.linearizable === false) [failing, stuck] = [mid, result]
    else passing = mid
  }
  const prefix = keyEvents.slice(0, failing)
  const ops = operations(prefix).map((op) => ({...op, index: lines[op.index]}))
  const last = prefix[failing - 1]
  // The outcome that broke the prefix is the operation's own, unless it was a failure: then the operation left out is what
  // something else needed, and the one to explain is where the search got stuck.
  const completedLast = last.type === 'fail' ? undefined : ops.filter((o) => o.process === last.process).at(-1)
  const x = completedLast ?? ops.find((o) => o.index === lines[stuck.cannotLinearize.index])!
  const others = ops.filter((o) => o !== x)
  const completedWrites = others.filter((w) => w.f !== 'get' && w.end < x.start)
  return {
    key,
    prefixEvents: failing,
    prefixLastLine: lines[failing - 1] + 1,
    operation: x,
    couldHaveSeen: candidateValues(x, others).filter((v) => registerLinearizable(key, [...others, probe(x, v)], maxSteps) === true),
    lastCompletedWrite: completedWrites.sort((a, b) => b.end - a.end)[0],
  }
}

/**
 * The values the register may hold while `x` runs: null unless a write had
 * completed before it began, and the value of each write that may have taken
 * effect before `x` ended and is not certainly overwritten before `x` began
 * (by a write that started after it ended and completed before `x` began).
 */
function candidateValues(x: KvOperation, others: readonly KvOperation[]): Array<string | null> {
  const writes = others.filter((o) => o.f !== 'get')
  const overwrittenBefore = Math.max(-Infinity, ...writes.filter((w) => w.end < x.start).map((w) => w.start))
  const values = new Set<string | null>()
  if (!writes.some((w) => w.end < x.start)) values.add(null)
  for (const w of writes) if (w.start < x.end && w.end >= overwrittenBefore) values.add(written(w))
  return [...values]
}

/** `x` as if it had seen `v`: a cas from `v` to what `x` leaves (a get leaves `v`), at the same interval. */
function probe(x: KvOperation, v: string | null): KvOperation {
  const after = x.f === 'get' ? v : written(x)
  return {...x, f: 'cas', input: [v, after as string], output: null}
}

/** The value a put or cas writes. */
function written(op: KvOperation): string {
  return op.f === 'put' ? (op.input as string) : (op.input as [string | null, string])[1]
}

/** The explanation in plain words, for the table and the report. */
export function describeKvExplanation(e: KvExplanation): string {
  const x = e.operation
  const seen = e.couldHaveSeen.length === 0 ? 'no value fits at any point where it could take effect' : `the register could only have held ${orList(e.couldHaveSeen.map(value))} wherever it could take effect`
  const missed = e.lastCompletedWrite && x.f !== 'put' ? `; ${describeOp(e.lastCompletedWrite)} had completed before it began` : ''
  const what =
    x.f === 'get'
      ? `${describeOp(x)} read ${value(x.output)}, but ${seen}`
      : x.f === 'cas'
        ? `${describeOp(x)} succeeded, so it saw ${value((x.input as [string | null, string])[0])}, but ${seen}`
        : `${describeOp(x)} cannot take effect at any point of its interval that fits the operations around it`
  return `${what}${missed}. The shortest failing history of key ${e.key} is its first ${e.prefixEvents} events (up to history line ${e.prefixLastLine}).`
}

/** `put "3-1" by process 2 (history line 40, 10.5–12.0 ms)`. */
function describeOp(op: KvOperation): string {
  const input = op.f === 'put' ? ` ${value(op.input as string)}` : op.f === 'cas' ? ` ${value((op.input as [string | null, string])[0])} → ${value(written(op))}` : ''
  const end = op.end === Infinity ? 'no answer' : `${op.end.toFixed(1)} ms`
  return `${op.f}${input} by process ${op.process} (history line ${op.index + 1}, ${op.start.toFixed(1)}–${end})`
}

function value(v: string | null): string {
  return v === null ? 'nothing (the key absent)' : JSON.stringify(v)
}

function orList(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`
}

/** The report's anomaly: the explanation, and the key's operations up to the end of the shortest failing prefix, the unplaceable one and the write it missed marked. */
export function kvAnomaly(history: readonly KvEvent[], e: KvExplanation): Anomaly & {shortestPrefix: {events: number; lastLine: number}; couldHaveSeen: Array<string | null>} {
  const marked = new Set([e.operation.index + 1, ...(e.lastCompletedWrite && e.operation.f !== 'put' ? [e.lastCompletedWrite.index + 1] : [])])
  const keyOps = pairOperations(history).filter((op) => op.invoke.key === e.key && op.line <= e.prefixLastLine)
  return {
    key: e.key,
    explanation: describeKvExplanation(e),
    operations: aroundMarked(keyOps, (op) => marked.has(op.line), historyOrigin(history)),
    shortestPrefix: {events: e.prefixEvents, lastLine: e.prefixLastLine},
    couldHaveSeen: e.couldHaveSeen,
  }
}
