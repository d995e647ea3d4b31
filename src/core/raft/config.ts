import type {Rng} from '../common/rng.js'
import {invariant} from '../common/invariant.js'
import type {NodeId} from './types.js'

/**
 * How a leader answers ReadIndex:
 * - 'safe': it confirms it is still leader with a heartbeat round to a
 *   majority before handing out the read index (thesis §6.4). No clock assumption.
 * - 'leaseBased': it answers at once while it holds a lease (thesis §6.4.1):
 *   a majority acknowledged a heartbeat it sent less than electionTicks - 2
 *   of its ticks ago. Those followers ignore vote requests for electionTicks
 *   of their own ticks after hearing from it (check-quorum), and a node
 *   restarting ignores them for its first electionTicks (it cannot remember
 *   whom it heard from), so no other leader can exist during the lease. The
 *   two ticks cover the phase difference between nodes' tick schedules. The
 *   clock assumption: all nodes tick at the same rate, with drift over an
 *   election timeout well under one tick, and no process pause longer than
 *   that while a lease is in use. Break it and a read can be stale. Needs
 *   checkQuorum; when the lease has lapsed, reads fall back to 'safe'.
 */
export type ReadOnlyOption = 'safe' | 'leaseBased'

export interface RaftOptions {
  readonly id: NodeId
  /** Every voter, including `id`. Membership is fixed for the life of the cluster. */
  readonly peers: readonly NodeId[]
  readonly rng: Rng
  /** A follower campaigns after a random timeout in [electionTicks, 2*electionTicks). Default 10. */
  readonly electionTicks?: number
  /** A leader sends heartbeats every heartbeatTicks. Must be < electionTicks. Default 1. */
  readonly heartbeatTicks?: number
  /** Run a pre-vote round before raising the term (thesis §9.6). Default true. */
  readonly preVote?: boolean
  /**
   * A leader steps down when it has not heard from a majority within
   * electionTicks, and followers that heard from a leader within electionTicks
   * ignore vote requests (thesis §6.2, §9.6). Default true.
   */
  readonly checkQuorum?: boolean
  readonly readOnly?: ReadOnlyOption
  /** Upper bound on entries in one AppendEntries. Default 64. */
  readonly maxEntriesPerMsg?: number
  /**
   * Upper bound on the summed entry data in one AppendEntries, counted in
   * UTF-16 code units (bytes for ASCII JSON). A single larger entry is still
   * sent alone. Default 1 MiB.
   */
  readonly maxAppendBytes?: number
  /** Upper bound on unacknowledged AppendEntries per follower in replicate state. Default 256. */
  readonly maxInflightMsgs?: number
  /** A leader refuses proposals while this many entries are uncommitted. Default 10_000. */
  readonly maxUncommittedEntries?: number
  /** A leader drops ReadIndex requests beyond this many pending. Default 4096. */
  readonly maxPendingReads?: number
}

export type RaftConfig = Required<RaftOptions>

export function resolveConfig(options: RaftOptions): RaftConfig {
  const config: RaftConfig = {
    electionTicks: 10,
    heartbeatTicks: 1,
    preVote: true,
    checkQuorum: true,
    readOnly: 'safe',
    maxEntriesPerMsg: 64,
    maxAppendBytes: 1 << 20,
    maxInflightMsgs: 256,
    maxUncommittedEntries: 10_000,
    maxPendingReads: 4096,
    ...options,
  }
  invariant(config.peers.includes(config.id), `peers must include this node (${config.id})`)
  invariant(new Set(config.peers).size === config.peers.length, 'peers must be distinct')
  invariant(config.heartbeatTicks >= 1, 'heartbeatTicks must be >= 1')
  invariant(config.electionTicks > config.heartbeatTicks, 'electionTicks must exceed heartbeatTicks')
  invariant(config.maxEntriesPerMsg >= 1, 'maxEntriesPerMsg must be >= 1')
  invariant(config.maxAppendBytes >= 1, 'maxAppendBytes must be >= 1')
  invariant(config.maxInflightMsgs >= 1, 'maxInflightMsgs must be >= 1')
  invariant(config.maxUncommittedEntries >= 1, 'maxUncommittedEntries must be >= 1')
  invariant(config.maxPendingReads >= 1, 'maxPendingReads must be >= 1')
  invariant(
    config.readOnly === 'safe' || config.checkQuorum,
    'leaseBased reads need checkQuorum: the lease is the check-quorum window',
  )
  return config
}
