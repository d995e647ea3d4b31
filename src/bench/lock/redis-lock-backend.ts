import {randomBytes} from 'node:crypto'

import {Redis} from 'ioredis'

import {OpError, PreflightError, type LockBackendRecipe} from '../workload.js'
import {retryUntil, type Grant, type LockBackend} from './lock-backend.js'

// Delete the key only if it still holds our value: a late release must not free someone else's lock.
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

/**
 * The common Redis lock: SET NX PX to acquire, retried by the client every
 * `retryDelayMs` until `waitMs` passes (there is no server-side queue), and a
 * compare-and-delete script to release. Redis issues no fencing tokens.
 */
export class RedisLockBackend implements LockBackend {
  readonly fencing = false
  /** One connection per client, as separate processes would have, made at the client's first command. */
  private readonly connections = new Map<number, Redis>()

  constructor(
    readonly target: string,
    private readonly retryDelayMs: number,
  ) {}

  get recipe(): LockBackendRecipe {
    return {kind: 'redis', url: this.target, retryDelayMs: this.retryDelayMs}
  }

  /** One PING on a connection of its own: an unreachable Redis fails here, before any load. */
  async preflight(): Promise<void> {
    const probe = connect(this.target, true)
    try {
      await probe.connect()
      await probe.ping()
    } catch (err) {
      throw new PreflightError(`cannot reach Redis at ${this.target}: ${(err as Error).message}`)
    } finally {
      probe.disconnect()
    }
  }

  async acquire(client: number, name: string, _owner: string, ttlMs: number, waitMs: number): Promise<Grant | undefined> {
    const redis = this.connection(client)
    const secret = randomBytes(12).toString('base64')
    return retryUntil(waitMs, this.retryDelayMs, async () => {
      const attemptAt = Date.now()
      let result: string | null
      try {
        result = await redis.set(name, secret, 'PX', ttlMs, 'NX')
      } catch (err) {
        throw new OpError('unavailable', (err as Error).message)
      }
      // Redis started the lease after this attempt was sent, so attempt + TTL is a lower bound of its
      // end: the overlap check can then never accuse a holder whose lease had really ended.
      return result === 'OK' ? {token: undefined, expiresAt: attemptAt + ttlMs, secret} : undefined
    })
  }

  async release(client: number, name: string, _owner: string, grant: Grant): Promise<boolean> {
    try {
      return (await this.connection(client).eval(RELEASE_SCRIPT, 1, name, grant.secret!)) === 1
    } catch (err) {
      throw new OpError('unavailable', (err as Error).message)
    }
  }

  async close(): Promise<void> {
    for (const c of this.connections.values()) c.disconnect()
  }

  private connection(client: number): Redis {
    let redis = this.connections.get(client)
    // A connection ends with its server (connect retries nothing): one killed and restarted under a check is met again on a new one.
    if (!redis || redis.status === 'end') this.connections.set(client, (redis = connect(this.target, true)))
    return redis
  }
}

/** No reconnect loop: a Redis that goes away fails the operations, which the report counts. */
export function connect(target: string, lazyConnect: boolean): Redis {
  const redis = new Redis(target, {lazyConnect, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null})
  redis.on('error', () => {})
  return redis
}
