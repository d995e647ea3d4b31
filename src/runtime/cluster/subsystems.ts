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

/** N replicas of one Raft group, `${name}-1..N`, each told every replica's URL. */
function raftGroup(name: string, kind: string, description: string): Subsystem {
  return {
    name,
    description,
    defaultSize: 3,
    plan: ({size = 3}) => {
      const names = range(size).map((i) => `${name}-${i}`)
      return names.map((node) => ({name: node, kind, subsystem: name, options: (urls) => ({peers: pick(urls, names)})}))
    },
  }
}

export const raftSubsystem: Subsystem = raftGroup('raft', 'raft-node', 'Raft KV replicas')

export const lockReplicaSubsystem: Subsystem = raftGroup('lock-replica', 'lock-replica', 'replicated lock service on Raft')

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

/** The subsystems `dsys cluster up` can start; a subsystem joins this list once its nodes exist. */
export const SUBSYSTEMS: Subsystem[] = [lockSubsystem, lockReplicaSubsystem, raftSubsystem, ringSubsystem, txnSubsystem]
