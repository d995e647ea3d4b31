import {ms, num} from '../../report/html/format.js'

type Json = Record<string, unknown>

/**
 * The one number (or two) a person wants from a step's --json result, for
 * the demo's progress line and summary: "5,451 acquisitions/s, acquire p99
 * 11.28 ms". Reads the result as untyped JSON: a field missing prints as '–'.
 */
export function headline(result: Json): string {
  switch (result.workload) {
    case 'lock':
      return `${num(result.throughput, 0)} acquisitions/s, acquire p99 ${ms(at(result, 'histograms', 'acquire', 'p99'))} ms, ${num(at(result, 'safety', 'violations'))} safety violations`
    case 'kv':
      return `${num(result.throughput, 0)} ops/s, read p99 ${ms(at(result, 'operations', 'read', 'latencyMs', 'p99'))} ms, write p99 ${ms(at(result, 'operations', 'write', 'latencyMs', 'p99'))} ms`
    case 'ring':
      return [`${num(result.throughput, 0)} ops/s, p99 ${ms(at(result, 'latencyMs', 'p99'))} ms`, ...list(result.events).filter((e) => e.name === 'add-node').map(addNode)].join('; ')
    case 'txn':
      return `${num(at(result, 'operations', 'commit', 'throughput'), 0)} commits/s, commit p99 ${ms(at(result, 'operations', 'commit', 'latencyMs', 'p99'))} ms, ${num(at(result, 'operations', 'abort', 'ops') ?? 0)} aborted`
    case 'check-kv':
      return linearizability(result)
    case 'ring-churn':
      return `keys moved / ideal: ${list(result.results)
        .map((r) => `${String(r.algorithm)} ${num(r.movedOverIdeal, 2)}`)
        .join(', ')}`
    default:
      return `${num(result.throughput, 0)} ops/s, p99 ${ms(at(result, 'latencyMs', 'p99'))} ms`
  }
}

function linearizability(result: Json): string {
  const verdict = (result.result ?? {}) as Json
  const faults = list(result.faults)
    .map((f) => `${String(f.action)} ${String(f.node)} at ${num(f.atS)} s`)
    .join(', ')
  const what =
    verdict.linearizable === true
      ? `linearizable: ${num(verdict.operations)} operations checked`
      : verdict.linearizable === false
        ? `NOT linearizable: key ${String(verdict.key)}`
        : `undecided on key ${String(verdict.key)}: ${String(verdict.reason)}`
  return faults ? `${what}; ${faults}` : what
}

function addNode(e: Json): string {
  return `${String(e.shard)} joined at ${num(e.atS)} s and took ${num(e.moved)} of ${num(e.keys)} keys (${num(e.predictedMoved)} predicted)`
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : []
}

/** The value at a path of keys, or undefined where the path breaks off. */
function at(value: unknown, ...path: string[]): unknown {
  let current = value
  for (const key of path) current = current !== null && typeof current === 'object' ? (current as Json)[key] : undefined
  return current
}
