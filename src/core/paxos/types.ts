/** Identifies a Paxos peer. The node layer uses its node name (for example "n1"). */
export type NodeId = string

/**
 * A ballot (Lamport's proposal number): totally ordered by round, then by the
 * proposer's id, so two proposers never share one. Round 0 with node '' is
 * below every ballot a proposer uses.
 */
export interface Ballot {
  readonly round: number
  readonly node: NodeId
}

export const zeroBallot: Ballot = {round: 0, node: ''}

/** Negative, zero or positive as `a` is below, equal to or above `b`. */
export function compareBallots(a: Ballot, b: Ballot): number {
  if (a.round !== b.round) return a.round - b.round
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0
}

export function sameBallot(a: Ballot, b: Ballot): boolean {
  return compareBallots(a, b) === 0
}

/**
 * What an acceptor accepted in one slot: `data` in `ballot`. `data` is opaque
 * to the core; the empty string is the no-op a new leader fills gaps with,
 * which the application must skip when it applies.
 */
export interface AcceptedValue {
  readonly slot: number
  readonly ballot: Ballot
  readonly data: string
}

/** A value to apply: chosen in `slot`. */
export interface ChosenValue {
  readonly slot: number
  readonly data: string
}

/** The acceptor's durable state besides its accepted values. */
export interface HardState {
  /** No prepare or accept below this ballot is answered (Paxos Made Simple, P1a). Must be synced before answering. */
  readonly promised: Ballot
  /**
   * Every slot up to here is chosen and its stored AcceptedValue is the chosen
   * value. Persisting it is an optimisation (it need not be synced), but it
   * must be written after the accepted values of the same Ready.
   */
  readonly chosen: number
}

export const emptyHardState: HardState = {promised: zeroBallot, chosen: 0}

/**
 * The application's state machine after applying every chosen slot up to
 * `slot`: it replaces the values of those slots (the Raft core's Snapshot).
 * `data` is opaque to the core.
 */
export interface Snapshot {
  readonly slot: number
  readonly data: string
}

export const emptySnapshot: Snapshot = {slot: 0, data: ''}

/** Everything a restarting node read back from its durable storage. */
export interface PersistedState {
  readonly hardState: HardState
  /** The last value stored per slot (a later write for a slot replaces an earlier one); those at or below the snapshot are ignored. */
  readonly accepted: readonly AcceptedValue[]
  /** The last snapshot persisted (by compact() or a Ready's snapshot), if any. */
  readonly snapshot?: Snapshot
}

/**
 * A linearizable read point (the Raft core's ReadState): once the application
 * has applied `index`, it may answer the read `requestId` from its state machine.
 */
export interface ReadState {
  readonly requestId: string
  readonly index: number
}

export type Role = 'follower' | 'candidate' | 'leader'

/** Volatile state the application may want to show or route on; never persisted. */
export interface SoftState {
  readonly role: Role
  readonly leader: NodeId | null
}
