/** Identifies a Raft peer. The node layer uses its node name (for example "n1"). */
export type NodeId = string

/**
 * One log entry. `data` is opaque to the core (the node layer puts a JSON
 * command in it); the empty string is reserved for the no-op entry a new
 * leader appends (§8: it lets the leader learn which entries are committed),
 * so the application must skip entries whose data is ''.
 */
export interface Entry {
  readonly index: number
  readonly term: number
  readonly data: string
}

/** The state a node must persist before it answers any message (Figure 2, "Persistent state"). */
export interface HardState {
  readonly term: number
  /** The candidate voted for in `term`, or null. */
  readonly vote: NodeId | null
  /** The commit index. Persisting it is an optimisation: it need not be synced. */
  readonly commit: number
}

/**
 * A compacted prefix of the log: everything up to and including `index`,
 * as the application's serialized state machine. `peers` records the (fixed)
 * membership the snapshot was taken under.
 */
export interface Snapshot {
  readonly index: number
  readonly term: number
  readonly peers: readonly NodeId[]
  readonly data: string
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader'

/** Volatile state the application may want to show or route on; it is never persisted. */
export interface SoftState {
  readonly role: Role
  readonly leader: NodeId | null
}

/**
 * A linearizable read point: once the application has applied `index`, it may
 * answer the read identified by `requestId` from its state machine.
 */
export interface ReadState {
  readonly requestId: string
  readonly index: number
}

/** Everything a restarting node read back from its durable storage. */
export interface PersistedState {
  readonly hardState: HardState
  readonly snapshot?: Snapshot
  /** Entries after the snapshot, in index order. Entries at or below snapshot.index are ignored. */
  readonly entries: readonly Entry[]
  /**
   * The last index the application's state machine already reflects, for an
   * application whose state machine is itself durable. Defaults to the
   * snapshot index: the application restores the snapshot and re-applies the
   * committed entries handed out in `ready()`.
   */
  readonly applied?: number
}

export const emptyHardState: HardState = {term: 0, vote: null, commit: 0}
