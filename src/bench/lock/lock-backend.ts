import type {LockBackendRecipe} from '../workload.js'
import {UsageError} from '../../core/common/usage-error.js'

/**
 * What a grant's fencing token is, where grants carry one: the dsys lock
 * server's durable counter, the replicated lock's Raft log index of the grant,
 * etcd's create revision of the lock key, ZooKeeper's sequence number of the
 * lock node. Each strictly increases per lock in the order of grants.
 */
export type TokenKind = 'counter' | 'log index' | 'revision' | 'sequence'

/** One lock service as the benchmark sees it: dsys's lock server or replicated lock, etcd, ZooKeeper, Redis or Redlock. */
export interface LockBackend {
  readonly target: string
  /** Fencing tokens come with grants. */
  readonly fencing: boolean
  /** What the tokens are, when `fencing` (said in the report). */
  readonly tokenKind?: TokenKind
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
  /**
   * Stops for `ms` what the client runs in the background to keep its lease,
   * as a stop-the-world pause of its process would (ZooKeeper's session
   * pings). A client that merely sleeps keeps those going, and its lock with
   * them. Absent where a lease needs nothing from its client after the grant.
   */
  stall?(client: number, ms: number): void
  close(): Promise<void>
}

export interface Grant {
  token: number | undefined
  /** Wall-clock ms at which the lease ends. */
  expiresAt: number
  /** Time spent waiting for the lock: queued on the server, or retrying. */
  waitedMs: number
  /** What proves ownership on release: Redis's random value, etcd's lease ID, ZooKeeper's lock node path. */
  secret?: string
}

/** The HOST:PORT list of a `scheme://h1:p1,h2:p2` target. */
export function hostList(target: string, scheme: string): string[] {
  const prefix = `${scheme}://`
  const hosts = target.startsWith(prefix) ? target.slice(prefix.length).split(',').filter((h) => h.length > 0) : []
  if (hosts.length === 0 || hosts.some((h) => !/^[^\s/:,]+:\d+$/.test(h))) throw new UsageError(`--target: expected ${prefix}HOST:PORT[,HOST:PORT...], got "${target}"`)
  return hosts
}

/**
 * A client-side wait for a lock with no server-side queue (Redis, Redlock):
 * `attempt` until it returns a grant, pausing `retryDelayMs` between tries,
 * and undefined once another pause would pass `waitMs`.
 */
export async function retryUntil(waitMs: number, retryDelayMs: number, attempt: () => Promise<Omit<Grant, 'waitedMs'> | undefined>): Promise<Grant | undefined> {
  const started = Date.now()
  for (;;) {
    const grant = await attempt()
    if (grant) return {...grant, waitedMs: Date.now() - started}
    if (Date.now() - started + retryDelayMs > waitMs) return undefined
    await new Promise((resolve) => setTimeout(resolve, retryDelayMs))
  }
}
