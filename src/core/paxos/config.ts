import type {Rng} from '../common/rng.js'
import {invariant} from '../common/invariant.js'
import {UsageError} from '../common/usage-error.js'
import type {NodeId} from './types.js'

export interface PaxosOptions {
  readonly id: NodeId
  /** Every acceptor, including `id`. Membership is fixed for the life of the cluster. */
  readonly peers: readonly NodeId[]
  readonly rng: Rng
  /**
   * Phase 1 and phase 2 quorum sizes (Flexible Paxos, Howard et al. 2016):
   * any phase-1 quorum must meet any phase-2 quorum, so q1 + q2 > n.
   * Default: both a majority.
   */
  readonly q1?: number
  readonly q2?: number
  /** A follower campaigns after a random timeout in [electionTicks, 2*electionTicks), doubled per failed campaign. Default 10. */
  readonly electionTicks?: number
  /** A leader sends heartbeats (and retransmits) every heartbeatTicks. Must be < electionTicks. Default 1. */
  readonly heartbeatTicks?: number
  /** Upper bound on values in one accept or catch-up message. Default 64. */
  readonly maxValuesPerMsg?: number
  /** A leader refuses proposals while this many slots are unchosen. Default 10_000. */
  readonly maxUnchosen?: number
  /** A leader drops reads beyond this many awaiting confirmation (the application times them out). Default 4096. */
  readonly maxPendingReads?: number
}

export type PaxosConfig = Required<PaxosOptions>

export function majority(voters: number): number {
  return Math.floor(voters / 2) + 1
}

/**
 * The quorum sizes for n acceptors: majorities by default. A bad pair is a
 * usage error (the user's --q1/--q2), not a bug: q1 + q2 must exceed n so
 * that every phase-1 quorum meets every phase-2 quorum.
 */
export function checkQuorums(n: number, q1 = majority(n), q2 = majority(n)): {q1: number; q2: number} {
  if (!(Number.isInteger(q1) && Number.isInteger(q2) && q1 >= 1 && q2 >= 1 && q1 <= n && q2 <= n))
    throw new UsageError(`q1 and q2 must be integers in [1, ${n}] (got ${q1}, ${q2})`)
  if (q1 + q2 <= n) throw new UsageError(`quorums do not intersect: q1 + q2 = ${q1 + q2} must exceed n = ${n}`)
  return {q1, q2}
}

export function resolveConfig(options: PaxosOptions): PaxosConfig {
  const n = options.peers.length
  const config: PaxosConfig = {
    electionTicks: 10,
    heartbeatTicks: 1,
    maxValuesPerMsg: 64,
    maxUnchosen: 10_000,
    maxPendingReads: 4096,
    ...options,
    ...checkQuorums(n, options.q1, options.q2),
  }
  invariant(config.peers.includes(config.id), `peers must include this node (${config.id})`)
  invariant(new Set(config.peers).size === n, 'peers must be distinct')
  invariant(config.heartbeatTicks >= 1, 'heartbeatTicks must be >= 1')
  invariant(config.electionTicks > config.heartbeatTicks, 'electionTicks must exceed heartbeatTicks')
  invariant(config.maxValuesPerMsg >= 1, 'maxValuesPerMsg must be >= 1')
  invariant(config.maxUnchosen >= 1, 'maxUnchosen must be >= 1')
  invariant(config.maxPendingReads >= 1, 'maxPendingReads must be >= 1')
  return config
}
