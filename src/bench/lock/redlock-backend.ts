import type {Redis} from 'ioredis'
import Redlock from 'redlock'

import {OpError, type LockBackendRecipe} from '../workload.js'
import {hostList, retryUntil, type Grant, type LockBackend} from './lock-backend.js'
import {connect as connectRedis, RedisLockBackend} from './redis-lock-backend.js'

/**
 * Redlock over independent Redis servers (`redlock://h1:p1,h2:p2,h3:p3`)
 * with the `redlock` package (4.2.0): an attempt sets the key on every
 * server and holds the lock when a majority did within the TTL less the
 * clock drift allowance; release deletes it where it still holds this
 * client's value. Each of the package's attempts is one try here: the client
 * retries every `retryDelayMs` until waitMs, like the Redis spin lock (the
 * package's own retry count cannot stop at a time). No fencing tokens.
 */
export class RedlockBackend implements LockBackend {
  readonly fencing = false
  private readonly servers: string[]
  /** One Redlock, with one connection to each server, per client, as separate processes would have. */
  private readonly clients = new Map<number, {redlock: Redlock; connections: Redis[]}>()
  /** The locks held, by their random value (the grant's secret): the package releases a Lock object. */
  private readonly held = new Map<string, Redlock.Lock>()

  constructor(
    readonly target: string,
    private readonly retryDelayMs: number,
  ) {
    this.servers = hostList(target, 'redlock').map((h) => `redis://${h}`)
  }

  get recipe(): LockBackendRecipe {
    return {kind: 'redlock', target: this.target, retryDelayMs: this.retryDelayMs}
  }

  /** Every server must answer PING: Redlock over fewer than all of them would be a different (weaker) lock. */
  async preflight(): Promise<void> {
    for (const server of this.servers) await new RedisLockBackend(server, this.retryDelayMs).preflight()
  }

  async acquire(client: number, name: string, _owner: string, ttlMs: number, waitMs: number): Promise<Grant | undefined> {
    const {redlock, connections} = this.client(client)
    return retryUntil(waitMs, this.retryDelayMs, async () => {
      try {
        const lock = await redlock.lock(name, ttlMs)
        this.held.set(lock.value, lock)
        // The package's validity: attempt start + TTL - drift, already the client-side lower bound of the lease.
        return {token: undefined, expiresAt: lock.expiration, secret: lock.value}
      } catch (err) {
        if (!(err instanceof Redlock.LockError)) throw err
        // The package says the same for a lock held elsewhere and for servers it could not reach: only the first is worth waiting out.
        const reachable = connections.filter((c) => c.status === 'ready').length
        if (reachable < quorum(connections.length)) throw new OpError('unavailable', `Redlock: ${reachable} of ${connections.length} Redis servers reachable, fewer than a majority`)
        return undefined
      }
    })
  }

  /** False when a majority no longer held this client's value (the lease ended, or servers were lost). */
  async release(client: number, _name: string, _owner: string, grant: Grant): Promise<boolean> {
    const lock = this.held.get(grant.secret!)
    this.held.delete(grant.secret!)
    if (!lock) return false
    try {
      await this.client(client).redlock.unlock(lock)
      return true
    } catch (err) {
      if (err instanceof Redlock.LockError) return false
      throw err
    }
  }

  async close(): Promise<void> {
    for (const {connections} of this.clients.values()) for (const c of connections) c.disconnect()
    this.clients.clear()
  }

  private client(client: number): {redlock: Redlock; connections: Redis[]} {
    let entry = this.clients.get(client)
    // A connection ends with its server (connect retries nothing): a server killed and restarted under a check is met again on a new one.
    if (!entry || entry.connections.some((c) => c.status === 'end')) {
      const connections = this.servers.map((s, i) => (entry && entry.connections[i].status !== 'end' ? entry.connections[i] : connectRedis(s, true)))
      // retryCount 0: one attempt per lock() call; the retries are retryUntil's.
      entry = {redlock: new Redlock(connections, {retryCount: 0}), connections}
      this.clients.set(client, entry)
    }
    return entry
  }
}

/** Redlock's majority, as the package counts it. */
function quorum(servers: number): number {
  return Math.floor(servers / 2) + 1
}
