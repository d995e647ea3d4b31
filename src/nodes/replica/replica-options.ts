import type {ReadOnlyOption} from '../../core/raft/index.js'
import {parseBody} from '../../runtime/net/validate.js'

/**
 * A replica's settings from node.json `options`, for both protocols. Timing: a tick every
 * `tickMs`, a heartbeat every `heartbeatTicks`, and a follower campaigns after
 * a random [electionTicks, 2*electionTicks) ticks without a leader. The
 * defaults (10 ms, 3, 15) give heartbeats every 30 ms and an election timeout
 * of 150–300 ms, against etcd's 100 ms / 1000 ms: a failed leader is replaced
 * in a few hundred milliseconds on loopback, while a heartbeat still has five
 * chances to arrive before anyone campaigns.
 */
export interface ReplicaOptions {
  /** Every replica's name → base URL, this one included. */
  peers: Record<string, string>
  tickMs: number
  electionTicks: number
  heartbeatTicks: number
  /** Take a snapshot (and compact the log) once this many entries were applied since the last one. */
  snapshotEntries: number
  /** WAL segment size: compaction drops whole segments. */
  walSegmentBytes: number
  /** Bound on waiting for a leader, a commit or a read point before answering 503. */
  requestTimeoutMs: number
  /** Raft only: how a leader confirms a read point (a quorum round, or its lease). */
  readOnly: ReadOnlyOption
  /** Paxos only: phase-1 and phase-2 quorum sizes (Flexible Paxos); undefined: majorities. */
  q1?: number
  q2?: number
}

export const REPLICA_DEFAULTS: Omit<ReplicaOptions, 'peers'> = {
  tickMs: 10,
  electionTicks: 15,
  heartbeatTicks: 3,
  snapshotEntries: 10_000,
  walSegmentBytes: 4 * 1024 * 1024,
  requestTimeoutMs: 2_000,
  readOnly: 'safe',
}

/** The settings both protocols take. */
const COMMON_SCHEMA = {
  tickMs: {type: 'int', optional: true, min: 1, max: 1_000},
  electionTicks: {type: 'int', optional: true, min: 2, max: 1_000},
  heartbeatTicks: {type: 'int', optional: true, min: 1, max: 1_000},
  snapshotEntries: {type: 'int', optional: true, min: 1},
  walSegmentBytes: {type: 'int', optional: true, min: 4096},
  requestTimeoutMs: {type: 'int', optional: true, min: 1, max: 600_000},
} as const

const RAFT_SCHEMA = {...COMMON_SCHEMA, readOnly: {type: 'string', optional: true}} as const

const PAXOS_SCHEMA = {...COMMON_SCHEMA, q1: {type: 'int', optional: true, min: 1}, q2: {type: 'int', optional: true, min: 1}} as const

/** A Raft replica's options: the schema refuses Paxos's q1/q2 as unknown keys. */
export function parseRaftNodeOptions(options: Record<string, unknown>, selfId: string): ReplicaOptions {
  return parseReplicaOptions(options, selfId, RAFT_SCHEMA)
}

/** A Paxos replica's options: the schema refuses Raft's readOnly as an unknown key. The quorums are checked against the group's size when the replica opens (checkQuorums: q1 + q2 > n). */
export function parsePaxosNodeOptions(options: Record<string, unknown>, selfId: string): ReplicaOptions {
  return parseReplicaOptions(options, selfId, PAXOS_SCHEMA)
}

function parseReplicaOptions(options: Record<string, unknown>, selfId: string, schema: typeof RAFT_SCHEMA | typeof PAXOS_SCHEMA): ReplicaOptions {
  const {peers, ...rest} = options
  if (peers === null || typeof peers !== 'object' || Array.isArray(peers)) throw new Error('node.json options.peers must map replica names to URLs')
  for (const [name, url] of Object.entries(peers)) if (typeof url !== 'string') throw new Error(`node.json options.peers.${name} must be a URL string`)
  const peerUrls = peers as Record<string, string>
  if (!(selfId in peerUrls)) throw new Error(`node.json options.peers must include this replica (${selfId})`)
  const parsed: Partial<Omit<ReplicaOptions, 'peers' | 'readOnly'>> & {readOnly?: string} = parseBody(rest, schema, 'node.json options')
  const readOnly = parsed.readOnly ?? REPLICA_DEFAULTS.readOnly
  if (readOnly !== 'safe' && readOnly !== 'leaseBased') throw new Error(`node.json options.readOnly must be "safe" or "leaseBased", not "${readOnly}"`)
  const merged: ReplicaOptions = {...REPLICA_DEFAULTS, ...parsed, readOnly, peers: peerUrls}
  if (merged.heartbeatTicks >= merged.electionTicks) throw new Error('node.json options.heartbeatTicks must be below electionTicks')
  return merged
}
