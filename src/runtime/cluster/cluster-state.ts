import {existsSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {readJsonFileSync, writeFileAtomicSync} from '../storage/atomic-file.js'

export interface NodeRecord {
  name: string
  kind: string
  subsystem: string
  pid: number
  host: string
  port: number
  url: string
  /** The node's own data directory: durable files, node.json, node.log. */
  dataPath: string
  configPath: string
  logPath: string
}

export interface ClusterState {
  version: 1
  dataDir: string
  startedAt: string
  nodes: NodeRecord[]
}

export const CLUSTER_FILE = 'cluster.json'

export class ClusterNotUpError extends Error {
  constructor(dataDir: string) {
    super(`no cluster is up in ${dataDir} (no ${CLUSTER_FILE}); start one with: dsys cluster up`)
  }
}

export function readClusterState(dataDir: string): ClusterState | undefined {
  return readJsonFileSync<ClusterState>(join(dataDir, CLUSTER_FILE))
}

export function requireClusterState(dataDir: string): ClusterState {
  const state = readClusterState(dataDir)
  if (!state) throw new ClusterNotUpError(dataDir)
  return state
}

export function writeClusterState(state: ClusterState): void {
  if (!existsSync(state.dataDir)) mkdirSync(state.dataDir, {recursive: true})
  writeFileAtomicSync(join(state.dataDir, CLUSTER_FILE), JSON.stringify(state, null, 2) + '\n')
}

export function findNode(state: ClusterState, name: string): NodeRecord {
  const node = state.nodes.find((n) => n.name === name)
  if (!node) throw new Error(`no node named "${name}" in this cluster; nodes: ${state.nodes.map((n) => n.name).join(', ')}`)
  return node
}
