import type {KvTargetRecipe} from '../workload.js'

/** A key-value service the kv workload drives: the dsys Raft KV or etcd. */
export interface KvTarget {
  /** "dsys" or the etcd URL. */
  readonly name: string
  /** How a worker thread opens the same target (see WorkloadRecipe). */
  readonly recipe?: KvTargetRecipe
  /** One request before any load: throws PreflightError when no member answers as the right kind of server. */
  preflight(): Promise<void>
  /** One client's connection to the service; operations are issued one at a time per client. */
  client(index: number): KvTargetClient
  /** Cumulative server-side counters (messages, fsyncs, committed entries), summed over the members. */
  counters(): Promise<Record<string, number>>
  close(): Promise<void>
}

export interface KvTargetClient {
  /** A linearizable read; resolves when answered (found or not). */
  get(key: string): Promise<void>
  put(key: string, value: string): Promise<void>
}
