import type {LockBackendRecipe} from '../workload.js'

/** One lock service as the benchmark sees it: dsys's lock server or a Redis spin lock. */
export interface LockBackend {
  readonly target: string
  /** Fencing tokens come with grants. */
  readonly fencing: boolean
  /** The most waiters one lock may have, where the service documents a bound. */
  readonly waitersPerLock?: number
  /** How a worker thread opens the same service (--threads). */
  readonly recipe: LockBackendRecipe
  /** One request before any load: throws PreflightError when the service is unreachable or of the wrong kind. */
  preflight(): Promise<void>
  /** Resolves with the grant, or undefined when `waitMs` passed without one. */
  acquire(client: number, name: string, owner: string, ttlMs: number, waitMs: number): Promise<Grant | undefined>
  /** False when the lock was no longer ours (lease lost). */
  release(client: number, name: string, owner: string, grant: Grant): Promise<boolean>
  close(): Promise<void>
}

export interface Grant {
  token: number | undefined
  /** Wall-clock ms at which the lease ends. */
  expiresAt: number
  /** Time spent waiting for the lock: queued on the server, or retrying. */
  waitedMs: number
  /** For Redis: the random value that proves ownership on release. */
  secret?: string
}
