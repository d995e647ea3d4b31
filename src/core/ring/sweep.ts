import {assignKeys, type ChurnResult, compareAssignments, measureChurn, type NowMs} from './churn.js'
import {nextMembership, nextNodeNumber} from './membership.js'
import type {AlgorithmName, PlacementOptions} from './placement.js'

/** Algorithms whose tables are built from virtual nodes, the ones a vnodes sweep says something about. */
export const VNODE_ALGORITHMS: readonly AlgorithmName[] = ['ring', 'bounded']

export interface VnodesSweepRow {
  vnodes: number
  churn: ChurnResult
}

/** The same membership change measured once per vnodes value. */
export function sweepVnodes(
  algorithm: AlgorithmName,
  vnodesList: readonly number[],
  before: readonly string[],
  after: readonly string[],
  keys: readonly string[],
  options: PlacementOptions,
  nowMs: NowMs,
  onEach: (vnodes: number) => void = () => {},
): VnodesSweepRow[] {
  return vnodesList.map((vnodes) => {
    onEach(vnodes)
    return {vnodes, churn: measureChurn(algorithm, before, after, keys, {...options, vnodes}, nowMs)}
  })
}

/**
 * Adds one node at a time, `steps` times, from `start`: each step's churn is
 * against the previous step's placement, so the rows show how movement and
 * balance evolve as the cluster grows.
 */
export function stepsAddingNodes(
  algorithm: AlgorithmName,
  start: readonly string[],
  steps: number,
  keys: readonly string[],
  options: PlacementOptions,
  nowMs: NowMs,
  onEach: (step: number, nodes: readonly string[]) => void = () => {},
): ChurnResult[] {
  const rows: ChurnResult[] = []
  let current = assignKeys(algorithm, start, keys, options, nowMs)
  for (let step = 0; step < steps; step++) {
    const nodes = nextMembership(current.nodes, {add: [`n${nextNodeNumber(current.nodes)}`], remove: []})
    onEach(step, nodes)
    const next = assignKeys(algorithm, nodes, keys, options, nowMs)
    rows.push(compareAssignments(algorithm, current, next, options))
    current = next
  }
  return rows
}
