import type {ReadOnlyOption} from '../../core/raft/index.js'
import {parseBody} from '../../runtime/net/validate.js'

/**
 * A replica's settings from node.json `options`. Timing: a tick every
 * `tickMs`, a heartbeat every `heartbeatTicks`, and a follower campaigns after
 * a random [electionTicks, 2*electionTicks) ticks without a leader. The
 * defaults (10 ms, 3, 15) give heartbeats every 30 ms and an election timeout
 * of 150–300 ms, against etcd's 100 ms / 1000 ms: a failed leader is replaced
 * in a few hundred milliseconds on loopback, while a heartbeat still has five
 * chances to arrive before anyone campaigns.
 */
export interface RaftNodeOptions {
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
  readOnly: ReadOnlyOption
}

export const RAFT_NODE_DEFAULTS: Omit<RaftNodeOptions, 'peers'> = {
  tickMs: 10,
  electionTicks: 15,
  heartbeatTicks: 3,
  snapshotEntries: 10_000,
  walSegmentBytes: 4 * 1024 * 1024,
  requestTimeoutMs: 2_000,
  readOnly: 'safe',
}

const SCHEMA = {
  tickMs: {type: 'int', optional: true, min: 1, max: 1_000},
  electionTicks: {type: 'int', optional: true, min: 2, max: 1_000},
  heartbeatTicks: {type: 'int', optional: true, min: 1, max: 1_000},
  snapshotEntries: {type: 'int', optional: true, min: 1},
  walSegmentBytes: {type: 'int', optional: true, min: 4096},
  requestTimeoutMs: {type: 'int', optional: true, min: 1, max: 600_000},
  readOnly: {type: 'string', optional: true},
} as const

export function parseRaftNodeOptions(options: Record<string, unknown>, selfId: string): RaftNodeOptions {
  const {peers, ...rest} = options
  if (peers === null || typeof peers !== 'object' || Array.isArray(peers)) throw new Error('node.json options.peers must map replica names to URLs')
  for (const [name, url] of Object.entries(peers)) if (typeof url !== 'string') throw new Error(`node.json options.peers.${name} must be a URL string`)
  const peerUrls = peers as Record<string, string>
  if (!(selfId in peerUrls)) throw new Error(`node.json options.peers must include this replica (${selfId})`)
  const parsed = parseBody(rest, SCHEMA, 'node.json options')
  const readOnly = parsed.readOnly ?? RAFT_NODE_DEFAULTS.readOnly
  if (readOnly !== 'safe' && readOnly !== 'leaseBased') throw new Error(`node.json options.readOnly must be "safe" or "leaseBased", not "${readOnly}"`)
  const merged: RaftNodeOptions = {...RAFT_NODE_DEFAULTS, ...parsed, readOnly, peers: peerUrls}
  if (merged.heartbeatTicks >= merged.electionTicks) throw new Error('node.json options.heartbeatTicks must be below electionTicks')
  return merged
}
