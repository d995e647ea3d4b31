import type {AcceptedValue, Ballot, ChosenValue, NodeId, Snapshot} from './types.js'

/**
 * Every message peers exchange. Each carries `from`, `to` and `ballot` (the
 * sender's ballot, except a nack, which carries the ballot it was refused
 * for); all fields are plain JSON, so the node layer can send one as an HTTP body.
 */
export type Message = Prepare | Promise | Accept | Accepted | Nack | CatchUp | InstallSnapshot

export type MessageType = Message['type']

interface Envelope {
  readonly from: NodeId
  readonly to: NodeId
  readonly ballot: Ballot
}

/** Phase 1a, candidate → acceptor: promise `ballot` for every slot from `fromSlot` on. */
export interface Prepare extends Envelope {
  readonly type: 'prepare'
  readonly fromSlot: number
}

/** Phase 1b, acceptor → candidate: every value it accepted at or after `fromSlot`. */
export interface Promise extends Envelope {
  readonly type: 'promise'
  readonly accepted: readonly AcceptedValue[]
}

/**
 * Phase 2a, leader → acceptor: accept `values` in `ballot`; every slot up to
 * `chosen` is chosen. With no values it is the leader's heartbeat. `readSeq`
 * is the leader's latest read round when it sent this (0: none yet): an
 * answer to it confirms every read of that round or earlier.
 */
export interface Accept extends Envelope {
  readonly type: 'accept'
  readonly values: readonly ChosenValue[]
  readonly chosen: number
  readonly readSeq: number
}

/**
 * Phase 2b, acceptor → leader: it accepted `slots` in `ballot`; its chosen
 * point, for catch-up; the `readSeq` of the accept it answers.
 */
export interface Accepted extends Envelope {
  readonly type: 'accepted'
  readonly slots: readonly number[]
  readonly chosen: number
  readonly readSeq: number
}

/** Acceptor → proposer: refused, having promised `promised`, which is above `ballot`. */
export interface Nack extends Envelope {
  readonly type: 'nack'
  readonly promised: Ballot
}

/** Leader → lagging acceptor: values already chosen, in slot order from its chosen point + 1. */
export interface CatchUp extends Envelope {
  readonly type: 'catchUp'
  readonly values: readonly ChosenValue[]
}

/**
 * To an acceptor whose chosen point is below the sender's snapshot: a leader
 * catching up a peer that needs compacted slots, or an acceptor answering a
 * prepare whose `fromSlot` it compacted (its promise could not report those
 * slots, so the candidate must learn them as chosen instead).
 */
export interface InstallSnapshot extends Envelope {
  readonly type: 'snapshot'
  readonly snapshot: Snapshot
}
