import {unreachable} from '../common/invariant.js'
import {createPlacement} from './create-placement.js'
import {percent} from './format.js'
import {countPerNode, type LoadBalance, loadBalance} from './load-balance.js'
import {maglevTableAdvice} from './maglev.js'
import {type AlgorithmName, type PlacementOptions, specFor} from './placement.js'

/** What one membership change costs one algorithm over one key set. */
export interface ChurnResult {
  algorithm: AlgorithmName
  nodesBefore: number
  nodesAfter: number
  added: string[]
  removed: string[]
  keys: number
  /** Keys whose owner differs between the two placements. */
  moved: number
  movedFraction: number
  /**
   * The least any placement must move to stay balanced: 1 − S·min(1/N_before, 1/N_after)
   * for S surviving nodes, which is |ΔN|/max(N_before, N_after) for a pure add or remove.
   */
  idealFraction: number
  /** movedFraction / idealFraction; null when nothing needed to move. */
  movedOverIdeal: number | null
  /** Keys that moved from one surviving node to another: pure overhead, 0 for ring/jump/rendezvous on a pure add. */
  movedBetweenSurvivors: number
  balanceBefore: LoadBalance
  balanceAfter: LoadBalance
  /** Balance of each node's exact hash-space share after the change (ring arcs, Maglev slots); null where there is none. */
  hashSpaceBalanceAfter: LoadBalance | null
  /** owner() calls per second over the key set on the after placement, key hashing included; null when too fast for the clock. */
  lookupKeysPerSec: number | null
  /** Time to build the after placement's tables. */
  buildMs: number
  /** Caveats a reader needs: jump renumbering, Maglev table size, bounded-load order. */
  notes: string[]
}

/** Where every key of a key set lives under one node list, and what computing it cost. */
export interface Assignment {
  nodes: readonly string[]
  owners: Int32Array
  hashSpaceShares: Float64Array | null
  buildMs: number
  lookupMs: number
}

/** A monotonic millisecond clock, passed in so the core stays free of I/O. */
export type NowMs = () => number

/**
 * Places every key. Bounded loads places them in key-set order with the
 * capacity fixed from the key count (see bounded-load.ts), so its lookup time
 * is the placement itself.
 */
export function assignKeys(
  algorithm: AlgorithmName,
  nodes: readonly string[],
  keys: readonly string[],
  options: PlacementOptions,
  nowMs: NowMs,
): Assignment {
  const buildStartMs = nowMs()
  const placement = createPlacement(nodes, specFor(algorithm, {...options, expectedKeys: keys.length}))
  const buildMs = nowMs() - buildStartMs
  const owners = new Int32Array(keys.length)
  const lookupStartMs = nowMs()
  for (let k = 0; k < keys.length; k++) owners[k] = placement.ownerIndex(keys[k])
  const lookupMs = nowMs() - lookupStartMs
  return {nodes, owners, hashSpaceShares: placement.hashSpaceShares(), buildMs, lookupMs}
}

/** Compares two assignments of the same key set (same order). */
export function compareAssignments(algorithm: AlgorithmName, before: Assignment, after: Assignment, options: PlacementOptions): ChurnResult {
  const keys = before.owners.length
  const indexAfter = new Map(after.nodes.map((id, i) => [id, i]))
  const indexBefore = new Map(before.nodes.map((id, i) => [id, i]))
  // For each before-node: its index after, or -1 if it left.
  const survivorIndex = Int32Array.from(before.nodes, (id) => indexAfter.get(id) ?? -1)
  const afterSurvived = Uint8Array.from(after.nodes, (id) => (indexBefore.has(id) ? 1 : 0))
  let moved = 0
  let movedBetweenSurvivors = 0
  for (let k = 0; k < keys; k++) {
    const was = before.owners[k]
    const now = after.owners[k]
    if (survivorIndex[was] === now) continue
    moved++
    if (survivorIndex[was] >= 0 && afterSurvived[now] === 1) movedBetweenSurvivors++
  }
  const survivors = afterSurvived.reduce((sum, s) => sum + s, 0)
  const idealFraction = 1 - survivors * Math.min(1 / before.nodes.length, 1 / after.nodes.length)
  const movedFraction = keys === 0 ? 0 : moved / keys
  return {
    algorithm,
    nodesBefore: before.nodes.length,
    nodesAfter: after.nodes.length,
    added: after.nodes.filter((id) => !indexBefore.has(id)),
    removed: before.nodes.filter((id) => !indexAfter.has(id)),
    keys,
    moved,
    movedFraction,
    idealFraction,
    movedOverIdeal: idealFraction > 0 ? movedFraction / idealFraction : null,
    movedBetweenSurvivors,
    balanceBefore: loadBalance(countPerNode(before.owners, before.nodes.length)),
    balanceAfter: loadBalance(countPerNode(after.owners, after.nodes.length)),
    hashSpaceBalanceAfter: after.hashSpaceShares === null ? null : loadBalance(after.hashSpaceShares),
    lookupKeysPerSec: after.lookupMs > 0 ? keys / (after.lookupMs / 1000) : null,
    buildMs: after.buildMs,
    notes: notesFor(algorithm, before.nodes, after.nodes, options, movedBetweenSurvivors, keys),
  }
}

/** Places `keys` on `before` and on `after` and compares. */
export function measureChurn(
  algorithm: AlgorithmName,
  before: readonly string[],
  after: readonly string[],
  keys: readonly string[],
  options: PlacementOptions,
  nowMs: NowMs,
): ChurnResult {
  const beforeAssignment = assignKeys(algorithm, before, keys, options, nowMs)
  const afterAssignment = assignKeys(algorithm, after, keys, options, nowMs)
  return compareAssignments(algorithm, beforeAssignment, afterAssignment, options)
}

function notesFor(
  algorithm: AlgorithmName,
  before: readonly string[],
  after: readonly string[],
  options: PlacementOptions,
  movedBetweenSurvivors: number,
  keys: number,
): string[] {
  switch (algorithm) {
    case 'jump': {
      const renumbered = after.filter((id, bucket) => before.includes(id) && before.indexOf(id) !== bucket)
      if (renumbered.length === 0) return []
      return [
        `jump: buckets are numbered, so a removed node that was not last left a hole that ${renumbered.join(', ')} ` +
          `filled (swap-with-last); ${movedBetweenSurvivors} keys (${percent(movedBetweenSurvivors / keys)}) moved between ` +
          `survivors because of it. Removing the last node(s) instead moves only the ideal fraction.`,
      ]
    }
    case 'maglev': {
      const advice = maglevTableAdvice(options.tableSize, Math.max(before.length, after.length))
      return advice === null ? [] : [advice]
    }
    case 'bounded':
      return [
        `bounded: capacity ceil((1+${options.epsilon})·keys/N) per node; keys placed in key-set order, ` +
          `before and after each from scratch (a live router must replay the same order to agree).`,
      ]
    case 'ring':
    case 'rendezvous':
    case 'multiprobe':
      return []
    default:
      return unreachable(algorithm)
  }
}
