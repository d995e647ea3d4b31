/**
 * What the supervisor hands a node process: written to `<dataDir>/node.json`
 * and passed as the process's only argument, so a restart reuses it as is.
 */
export interface NodeConfig {
  kind: string
  /** The node's name in the cluster, e.g. `lock-1`, `raft-2`. */
  id: string
  host: string
  port: number
  dataDir: string
  /** Kind-specific settings (peers, algorithm, limits). */
  options: Record<string, unknown>
}

export const NODE_CONFIG_FILE = 'node.json'
export const NODE_LOG_FILE = 'node.log'
