import {HttpError} from '../../runtime/net/http-error.js'
import {segment} from '../../runtime/net/json-client.js'
import {type KeyRoute, routeKey} from '../../core/ring-live/index.js'
import type {Placement} from '../../core/ring/index.js'
import {DrainCounter} from './drain-counter.js'
import type {KeyMutex} from './key-mutex.js'
import type {ShardPool} from './shard-pool.js'

export interface KvReply {
  status: number
  body: unknown
}

/** How requests are routed: to one placement, or between two while keys move. */
export type Regime = Stable | Migrating
export interface Stable {
  type: 'stable'
  placement: Placement
  requests: DrainCounter
}
export interface Migrating {
  type: 'migrating'
  from: Placement
  next: Placement
  requests: DrainCounter
  /** Moving keys whose new owner holds their latest value (copied, or written by a client). */
  settled: Set<string>
  /** Moving keys a client write removed from the old owner. */
  movedByClients: Set<string>
}

export const stableRegime = (placement: Placement): Stable => ({type: 'stable', placement, requests: new DrainCounter()})

export const migratingRegime = (from: Placement, next: Placement): Migrating => ({type: 'migrating', from, next, requests: new DrainCounter(), settled: new Set(), movedByClients: new Set()})

/**
 * The router's client side: forwards each /kv request to the shard that owns
 * its key under the current regime. While keys move (see migration.ts), a
 * moving key is owned by its new shard: writes go there, then delete the old
 * copy; reads try the new owner, then the old. Both hold the key's lock,
 * which the migrator's copy of the key also takes.
 */
export class KeyRouter {
  private regime: Regime

  constructor(
    private readonly pool: ShardPool,
    private readonly locks: KeyMutex,
    placement: Placement,
  ) {
    this.regime = stableRegime(placement)
  }

  get current(): Regime {
    return this.regime
  }

  /** Routes new requests under `regime`; resolves once every request routed under the previous one has finished. */
  switchTo(regime: Regime): Promise<void> {
    const previous = this.regime
    this.regime = regime
    return previous.requests.drained()
  }

  get(key: string): Promise<KvReply> {
    return this.route(key, async (route, migrating) => {
      if (route.type === 'owned') return this.pass(await this.pool.forward(route.shard, 'GET', kvPath(key)))
      const fresh = this.pass(await this.pool.forward(route.to, 'GET', kvPath(key)))
      if (fresh.status !== 404 || migrating?.settled.has(key)) return fresh
      return this.pass(await this.pool.forward(route.from, 'GET', kvPath(key)))
    })
  }

  put(key: string, value: string): Promise<KvReply> {
    return this.write(key, 'PUT', {value})
  }

  delete(key: string): Promise<KvReply> {
    return this.write(key, 'DELETE')
  }

  private write(key: string, method: 'PUT' | 'DELETE', body?: {value: string}): Promise<KvReply> {
    return this.route(key, async (route, migrating) => {
      const shard = route.type === 'owned' ? route.shard : route.to
      const reply = this.pass(await this.pool.forward(shard, method, kvPath(key), body))
      if (route.type === 'moving' && migrating && reply.status === 200) await this.dropOldCopy(key, route.from, migrating)
      return reply
    })
  }

  /** Runs a client operation under the regime current when it arrived; a moving key's operations hold its lock. */
  private route(key: string, op: (route: KeyRoute, migrating: Migrating | null) => Promise<KvReply>): Promise<KvReply> {
    const regime = this.regime
    if (regime.type === 'stable') return regime.requests.run(() => op({type: 'owned', shard: regime.placement.owner(key)}, null))
    return regime.requests.run(async () => {
      const route = routeKey(key, regime.from, regime.next)
      if (route.type === 'owned') return op(route, regime)
      const release = await this.locks.lock(key)
      try {
        return await op(route, regime)
      } finally {
        release()
      }
    })
  }

  /** After a client write reached a moving key's new owner: the old copy goes, and the key is the client's from now on. */
  private async dropOldCopy(key: string, from: string, migrating: Migrating): Promise<void> {
    const {deleted} = await this.pool.admin<{deleted: number}>(from, 'POST', '/batch/delete', {keys: [{key}]})
    migrating.settled.add(key)
    if (deleted > 0) migrating.movedByClients.add(key)
  }

  private pass(res: {status: number; body: unknown}): KvReply {
    if (res.status >= 500) throw new HttpError(502, `shard error ${res.status}: ${JSON.stringify(res.body)}`)
    return {status: res.status, body: res.body}
  }
}

const kvPath = (key: string): string => `/kv/${segment(key)}`
