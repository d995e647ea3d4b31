import type {Subsystem} from '../subsystems.js'
import {etcdPeer} from './etcd.js'
import type {PeerKind} from './peer-kind.js'
import {redisPeer} from './redis.js'
import {zookeeperPeer} from './zookeeper.js'

export const PEER_KINDS: readonly PeerKind[] = [etcdPeer, zookeeperPeer, redisPeer]

/** The peer kind of a node kind; undefined for dsys's own nodes. */
export function peerKind(kind: string): PeerKind | undefined {
  return PEER_KINDS.find((p) => p.kind === kind)
}

/**
 * Each peer is a subsystem of its own: nodes `<kind>-1..N`. Redis servers
 * are independent (what Redlock needs); etcd and ZooKeeper members form one
 * cluster. A plain `cluster up` starts none of them.
 */
export const PEER_SUBSYSTEMS: Subsystem[] = PEER_KINDS.map((peer) => ({
  name: peer.kind,
  description: peer.description,
  defaultSize: 3,
  // No options: a member's configuration is its cluster's ports, which the supervisor hands its kind's configure().
  plan: ({size = 3}) => Array.from({length: size}, (_, i) => ({name: `${peer.kind}-${i + 1}`, kind: peer.kind, subsystem: peer.kind, options: () => ({})})),
}))

/** Refuses to start peers this machine cannot run, before anything starts: one line naming the Debian package. */
export function requireInstalled(kinds: readonly string[]): void {
  for (const kind of new Set(kinds)) {
    const peer = peerKind(kind)
    const missing = peer?.missing()
    if (peer && missing) throw new Error(`cannot start ${kind}: ${missing}; install the Debian package ${peer.debianPackage} (apt-get install ${peer.debianPackage})`)
  }
}
