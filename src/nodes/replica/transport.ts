import type {PeerMessage} from './consensus.js'

export interface TransportCounters {
  messagesSent: number
  messagesDropped: number
  peerRequests: number
}

/**
 * How a replica's messages reach its peers: HTTP between node processes
 * (PeerTransport), an in-memory network in the simulation. Contract: `send`
 * returns at once and never throws; any message may be lost, and the protocol
 * resends what matters (heartbeats, probes, election timeouts). Messages to one peer
 * should arrive in order, though the core tolerates reordering.
 */
export interface Transport<M extends PeerMessage> {
  readonly counters: TransportCounters
  send(messages: readonly M[]): void
  close(): Promise<void>
}
