import type {Message} from '../../core/raft/index.js'

export interface TransportCounters {
  messagesSent: number
  messagesDropped: number
  peerRequests: number
}

/**
 * How a replica's messages reach its peers: HTTP between node processes
 * (PeerTransport), an in-memory network in the simulation. Contract: `send`
 * returns at once and never throws; any message may be lost, and Raft resends
 * what matters (heartbeats, probes, vote timeouts). Messages to one peer
 * should arrive in order, though the core tolerates reordering.
 */
export interface RaftTransport {
  readonly counters: TransportCounters
  send(messages: readonly Message[]): void
  close(): Promise<void>
}
