import {type ChurnResult, measureChurn, type NowMs} from './churn.js'
import {percent} from './format.js'
import {nextMembership, nextNodeNumber, nodeIds} from './membership.js'
import {type AlgorithmName, type PlacementOptions, PlacementInputError} from './placement.js'
import {stepsAddingNodes, sweepVnodes, VNODE_ALGORITHMS, type VnodesSweepRow} from './sweep.js'

/** The membership change `dsys ring churn` is asked about. */
export interface ChurnChange {
  /** Nodes before the change: n0 … n{nodes-1}. */
  nodes: number
  /** New nodes, numbered on from the existing ones. */
  add: number
  /** Remove the last `remove` nodes of the list… */
  remove: number
  /** …or exactly these ids. */
  removeIds: readonly string[]
}

export interface ChurnPlan {
  before: string[]
  after: string[]
}

/** Validates a change and lays out the node lists; cheap, so callers check it before building a key set. */
export function planChurn(change: ChurnChange): ChurnPlan {
  if (change.nodes < 1) throw new PlacementInputError(`--nodes must be at least 1, got ${change.nodes}`)
  if (change.remove > 0 && change.removeIds.length > 0) {
    throw new PlacementInputError('pass either --remove (the last nodes) or --remove-ids, not both')
  }
  if (change.remove > change.nodes) throw new PlacementInputError(`cannot remove ${change.remove} of ${change.nodes} nodes`)
  const before = nodeIds(change.nodes)
  const remove = change.removeIds.length > 0 ? change.removeIds : before.slice(before.length - change.remove)
  return {before, after: nextMembership(before, {add: nodeIds(change.add, nextNodeNumber(before)), remove})}
}

/** What `dsys ring churn` measures, flags already parsed and the change planned. */
export interface ChurnRequest {
  algorithms: readonly AlgorithmName[]
  plan: ChurnPlan
  keys: readonly string[]
  options: PlacementOptions
  /** Non-empty: also measure the change once per vnodes value (ring, bounded). */
  sweepVnodes: readonly number[]
  /** > 0: also add nodes one at a time from the before list this many times. */
  steps: number
  /** Told before each measurement (a placement before and after a change), for a progress display. */
  onStep?: (step: ChurnStep) => void
}

/** The measurement runChurn is starting: `done` of `total` are finished. */
export interface ChurnStep {
  done: number
  total: number
  label: string
}

export interface ChurnReport {
  keys: number
  nodesBefore: number
  nodesAfter: number
  added: string[]
  removed: string[]
  options: Omit<PlacementOptions, 'expectedKeys'>
  results: ChurnResult[]
  vnodesSweep: (VnodesSweepRow & {algorithm: AlgorithmName})[]
  steps: ChurnResult[]
}

export function runChurn(request: ChurnRequest, nowMs: NowMs): ChurnReport {
  if (request.keys.length === 0) throw new PlacementInputError('the key set is empty')
  const {before, after} = request.plan
  const added = after.filter((id) => !before.includes(id))
  const removed = before.filter((id) => !after.includes(id))
  const {expectedKeys: _unused, ...options} = request.options
  const changed = added.length + removed.length > 0
  const vnodeAlgorithms = request.algorithms.filter((algorithm) => VNODE_ALGORITHMS.includes(algorithm))
  const total = (changed ? request.algorithms.length : 0) + vnodeAlgorithms.length * request.sweepVnodes.length + request.algorithms.length * request.steps
  let done = 0
  const step = (label: string): void => request.onStep?.({done: done++, total, label})
  const change = `${before.length} → ${after.length} nodes`
  return {
    keys: request.keys.length,
    nodesBefore: before.length,
    nodesAfter: after.length,
    added,
    removed,
    options,
    // No membership change (a --steps-only run): nothing to compare.
    results: changed
      ? request.algorithms.map((algorithm) => {
          step(`${algorithm}: ${change}`)
          return measureChurn(algorithm, before, after, request.keys, request.options, nowMs)
        })
      : [],
    vnodesSweep: vnodeAlgorithms.flatMap((algorithm) =>
      sweepVnodes(algorithm, request.sweepVnodes, before, after, request.keys, request.options, nowMs, (vnodes) => step(`${algorithm}: ${change}, ${vnodes} vnodes`)).map(
        (row) => ({algorithm, ...row}),
      ),
    ),
    steps: request.algorithms.flatMap((algorithm) =>
      request.steps > 0
        ? stepsAddingNodes(algorithm, before, request.steps, request.keys, request.options, nowMs, (i, nodes) =>
            step(`${algorithm}: adding one node at a time, ${i + 1} of ${request.steps} (${nodes.length} nodes)`),
          )
        : [],
    ),
  }
}

/** A table as header + rows of cells, for cli-table3 or Markdown alike. */
export interface TextTable {
  head: string[]
  rows: string[][]
}

/** Metrics down, algorithms across: the `--algo all` side-by-side view. */
export function resultsTable(results: readonly ChurnResult[]): TextTable {
  const metric = (name: string, cell: (r: ChurnResult) => string): string[] => [name, ...results.map(cell)]
  return {
    head: ['', ...results.map((r) => r.algorithm)],
    rows: [
      metric('keys moved', (r) => String(r.moved)),
      metric('moved fraction', (r) => percent(r.movedFraction)),
      metric('ideal fraction', (r) => percent(r.idealFraction)),
      metric('moved / ideal', (r) => ratio(r.movedOverIdeal)),
      metric('moved between survivors', (r) => String(r.movedBetweenSurvivors)),
      metric('max/mean before → after', (r) => `${fixed3(r.balanceBefore.maxOverMean)} → ${fixed3(r.balanceAfter.maxOverMean)}`),
      metric('stddev/mean before → after', (r) => `${fixed3(r.balanceBefore.stddevOverMean)} → ${fixed3(r.balanceAfter.stddevOverMean)}`),
      metric('min/mean before → after', (r) => `${fixed3(r.balanceBefore.minOverMean)} → ${fixed3(r.balanceAfter.minOverMean)}`),
      metric('hash-space max/mean after', (r) => (r.hashSpaceBalanceAfter === null ? '—' : fixed3(r.hashSpaceBalanceAfter.maxOverMean))),
      metric('lookups (M keys/s)', (r) => (r.lookupKeysPerSec === null ? '—' : (r.lookupKeysPerSec / 1e6).toFixed(2))),
      metric('build (ms)', (r) => r.buildMs.toFixed(1)),
    ],
  }
}

export function vnodesSweepTable(rows: ChurnReport['vnodesSweep']): TextTable {
  return {
    head: ['algorithm', 'vnodes', 'moved', 'moved / ideal', 'between survivors', 'max/mean after', 'stddev/mean after', 'hash-space max/mean', 'build (ms)'],
    rows: rows.map(({algorithm, vnodes, churn}) => [
      algorithm,
      String(vnodes),
      percent(churn.movedFraction),
      ratio(churn.movedOverIdeal),
      String(churn.movedBetweenSurvivors),
      fixed3(churn.balanceAfter.maxOverMean),
      fixed3(churn.balanceAfter.stddevOverMean),
      churn.hashSpaceBalanceAfter === null ? '—' : fixed3(churn.hashSpaceBalanceAfter.maxOverMean),
      churn.buildMs.toFixed(1),
    ]),
  }
}

export function stepsTable(rows: readonly ChurnResult[]): TextTable {
  return {
    head: ['algorithm', 'nodes', 'moved', 'ideal', 'moved / ideal', 'between survivors', 'max/mean after'],
    rows: rows.map((r) => [
      r.algorithm,
      `${r.nodesBefore} → ${r.nodesAfter}`,
      percent(r.movedFraction),
      percent(r.idealFraction),
      ratio(r.movedOverIdeal),
      String(r.movedBetweenSurvivors),
      fixed3(r.balanceAfter.maxOverMean),
    ]),
  }
}

/** Every distinct note across the report, in order (one jump note, not one per sweep row). */
export function reportNotes(report: ChurnReport): string[] {
  const notes = [...report.results, ...report.vnodesSweep.map((row) => row.churn), ...report.steps].flatMap((r) => r.notes)
  return [...new Set(notes)]
}

function ratio(value: number | null): string {
  return value === null ? '—' : value.toFixed(3)
}

function fixed3(value: number): string {
  return value.toFixed(3)
}
