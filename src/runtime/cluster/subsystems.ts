import {checkQuorums} from '../../core/paxos/config.js'
import {liveConfig} from '../../core/ring-live/live-placement.js'

/**
 * What each subsystem starts. A plan names its nodes before any port is
 * known; `options` gets every node's URL so peers can find each other.
 */
export interface NodePlan {
  name: string
  kind: string
  subsystem: string
  options: (urls: Record<string, string>) => Record<string, unknown>
}

/** Settings from `dsys cluster up` flags that subsystems read. */
export interface PlanSettings {
  /** The subsystem's count (raft replicas, ring shards, txn participants); its default when undefined. */
  size?: number
  ringAlgorithm?: string
  /** Paxos only: phase-1 and phase-2 quorum sizes (Flexible Paxos); majorities when undefined. */
  q1?: number
  q2?: number
}

export interface Subsystem {
  name: string
  description: string
  defaultSize?: number
  plan(settings: PlanSettings): NodePlan[]
}

const range = (n: number): number[] => Array.from({length: n}, (_, i) => i + 1)
const pick = (urls: Record<string, string>, names: string[]): Record<string, string> => Object.fromEntries(names.map((n) => [n, urls[n]]))

export const lockSubsystem: Subsystem = {
  name: 'lock',
  description: 'one lock server',
  plan: () => [{name: 'lock-1', kind: 'lock-server', subsystem: 'lock', options: () => ({})}],
}

/** N replicas of one consensus group, `${name}-1..N`, each told every replica's URL (and what `extra` adds). */
function replicaGroup(name: string, kind: string, description: string, extra: (settings: PlanSettings) => Record<string, unknown> = () => ({})): Subsystem {
  return {
    name,
    description,
    defaultSize: 3,
    plan: (settings) => {
      const names = range(settings.size ?? 3).map((i) => `${name}-${i}`)
      const options = extra({...settings, size: names.length})
      return names.map((node) => ({name: node, kind, subsystem: name, options: (urls) => ({peers: pick(urls, names), ...options})}))
    },
  }
}

export const raftSubsystem: Subsystem = replicaGroup('raft', 'raft-node', 'Raft KV replicas')

export const lockReplicaSubsystem: Subsystem = replicaGroup('lock-replica', 'lock-replica', 'replicated lock service on Raft')

export const paxosSubsystem: Subsystem = replicaGroup('paxos', 'paxos', 'Multi-Paxos KV replicas', ({size = 3, q1, q2}) => {
  // Quorums that cannot intersect are refused before anything starts, with the core's own message.
  checkQuorums(size, q1, q2)
  return {...(q1 === undefined ? {} : {q1}), ...(q2 === undefined ? {} : {q2})}
})

export const ringSubsystem: Subsystem = {
  name: 'ring',
  description: 'a hash-ring router and its shards',
  defaultSize: 3,
  plan: ({size = 3, ringAlgorithm = 'ring'}) => {
    liveConfig(ringAlgorithm) // an algorithm the router cannot run is refused before anything starts
    const shards = range(size).map((i) => `ring-shard-${i}`)
    return [
      {name: 'ring-router', kind: 'ring-router', subsystem: 'ring', options: (urls) => ({algorithm: ringAlgorithm, shards: pick(urls, shards)})},
      ...shards.map((name) => ({name, kind: 'ring-shard', subsystem: 'ring', options: () => ({})})),
    ]
  },
}

export const txnSubsystem: Subsystem = {
  name: 'txn',
  description: 'a 2PC coordinator and its participants',
  defaultSize: 3,
  plan: ({size = 3}) => {
    const participants = range(size).map((i) => `txn-participant-${i}`)
    return [
      {name: 'txn-coordinator', kind: 'txn-coordinator', subsystem: 'txn', options: (urls) => ({participants: pick(urls, participants)})},
      ...participants.map((name) => ({name, kind: 'txn-participant', subsystem: 'txn', options: (urls: Record<string, string>) => ({coordinator: urls['txn-coordinator']})})),
    ]
  },
}

/** The subsystems a plain `dsys cluster up` starts. */
export const SUBSYSTEMS: Subsystem[] = [lockSubsystem, lockReplicaSubsystem, raftSubsystem, ringSubsystem, txnSubsystem]

/** Subsystems that start only when named (`--paxos N`), like the peers: the default cluster stays as cheap as it is. */
export const NAMED_SUBSYSTEMS: Subsystem[] = [paxosSubsystem]
