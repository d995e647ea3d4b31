import type {Entry, NodeId, Snapshot} from './types.js'

/**
 * Every message peers exchange. Each kind carries `from`, `to` and `term`
 * (the sender's current term, except where noted); all fields are plain JSON,
 * so the node layer can send a Message as an HTTP body unchanged.
 */
export type Message =
  | AppendEntries
  | AppendEntriesResponse
  | Heartbeat
  | HeartbeatResponse
  | VoteRequest
  | VoteResponse
  | InstallSnapshot
  | ReadIndexRequest
  | ReadIndexResponse

export type MessageType = Message['type']

interface Envelope {
  readonly from: NodeId
  readonly to: NodeId
  readonly term: number
}

/** Leader → follower: append `entries` after (prevIndex, prevTerm) (§5.3). */
export interface AppendEntries extends Envelope {
  readonly type: 'appendEntries'
  readonly prevIndex: number
  readonly prevTerm: number
  /** Consecutive entries starting at prevIndex + 1; may be empty (a probe). */
  readonly entries: readonly Entry[]
  /** The leader's commit index; the follower commits min(commit, last new index). */
  readonly commit: number
}

/**
 * Follower → leader: answer to AppendEntries or InstallSnapshot.
 * On success `index` is the follower's last index known to match the leader.
 * On reject `index` is the rejected prevIndex and (hintIndex, hintTerm) is the
 * follower's guess of where the logs may match: the largest index <= min(prevIndex,
 * follower's last index) whose term is <= prevTerm, and that term (0 when
 * unknown). The leader jumps straight there instead of stepping back one entry
 * per round trip (the "fast back-off" of §5.3, as etcd-io/raft does it).
 */
export interface AppendEntriesResponse extends Envelope {
  readonly type: 'appendEntriesResponse'
  readonly index: number
  readonly reject: boolean
  readonly hintIndex: number
  readonly hintTerm: number
}

/**
 * Leader → follower: empty keep-alive that also carries a safe commit index
 * (min of the follower's match and the leader's commit) and, when a ReadIndex
 * is pending, the requestId it confirms leadership for.
 */
export interface Heartbeat extends Envelope {
  readonly type: 'heartbeat'
  readonly commit: number
  readonly context: string | null
  /** The leader's tick count when it sent this; echoed back so a lease can start from the send time. */
  readonly leaderTick: number
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'heartbeatResponse'
  /** Echo of Heartbeat.context. */
  readonly context: string | null
  /** Echo of Heartbeat.leaderTick. */
  readonly leaderTick: number
}

/**
 * Candidate → peer: request a vote (§5.2) or, with preVote, ask whether the
 * peer would grant one (thesis §9.6) without anyone changing term. For a
 * pre-vote `term` is the term the candidate would campaign in (its term + 1).
 */
export interface VoteRequest extends Envelope {
  readonly type: 'voteRequest'
  readonly preVote: boolean
  readonly lastIndex: number
  readonly lastTerm: number
}

/** `term` is the request's term when granted, and the voter's own term when rejected. */
export interface VoteResponse extends Envelope {
  readonly type: 'voteResponse'
  readonly preVote: boolean
  readonly granted: boolean
}

/** Leader → follower whose next entry is compacted away: the whole snapshot in one message (§7). */
export interface InstallSnapshot extends Envelope {
  readonly type: 'installSnapshot'
  readonly snapshot: Snapshot
}

/** Follower → leader: forwards a ReadIndex request made at the follower (thesis §6.4). */
export interface ReadIndexRequest extends Envelope {
  readonly type: 'readIndex'
  readonly requestId: string
}

/** Leader → follower: the read may be served once the follower has applied `index`. */
export interface ReadIndexResponse extends Envelope {
  readonly type: 'readIndexResponse'
  readonly requestId: string
  readonly index: number
}
