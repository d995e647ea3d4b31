import {setTimeout as sleep} from 'node:timers/promises'

import {Pool} from 'undici'

import {b64, preflightEtcd} from '../kv/etcd-kv-target.js'
import {dispatchRequest} from '../../runtime/net/dispatch-request.js'
import {OpError, type LockBackendRecipe} from '../workload.js'
import {hostList, type Grant, type LockBackend} from './lock-backend.js'

/** Pause before retrying on the next member after an error. */
const RETRY_DELAY_MS = 20
const JSON_HEADERS = {'content-type': 'application/json'}
/** The one RPC that waits for the lock. */
const LOCK_PATH = '/v3/lock/lock'
/** How long one RPC that does not wait for the lock (grant, range, revoke) may keep trying members. */
const RPC_TIMEOUT_MS = 5_000

/**
 * etcd's lock API (the v3lock service, clientv3's concurrency.Mutex on the
 * server) through the v3 JSON gateway, one lease per acquisition:
 * POST /v3/lease/grant, then /v3/lock/lock {name, lease}, which blocks until
 * the lease's key under the lock's prefix is the oldest there. The gateway
 * rather than the etcd3 gRPC client: it is the path the KV benchmark already
 * takes (undici pools, no new dependency), and every call it makes is one
 * etcd RPC, so the cost measured is etcd's.
 *
 * - The fencing token is the lock key's create revision, read with one
 *   serializable (member-local) range on the member that granted: keys are
 *   granted in create-revision order, so tokens strictly increase per lock.
 * - Lease TTLs are whole seconds with a server minimum (ceil(1.5 election
 *   timeouts), 2 s by default): ttlMs is rounded up and etcd may raise it; the
 *   granted TTL counts from when the grant (or the last keepalive) was sent, a
 *   lower bound of the lease's real end, which is the grant's expiresAt.
 * - While the acquire waits, the lease is kept alive every TTL/3 (as
 *   clientv3's session does): a waiter whose lease ran out would be granted a
 *   key that no longer exists.
 * - At waitMs the blocked Lock request is aborted and the lease revoked, which
 *   deletes the key: the abandoned waiter can never get the lock later.
 * - Release revokes the lease: that deletes the lock key (what /v3/lock/unlock
 *   does) and the lease in one RPC instead of two.
 * Members: `etcd://h:p,h:p`; each client starts on its own member and moves
 * to the next on an error. A Lock retried there keeps its place in the queue
 * when its key survived (the key is named after the lease: a crashed member
 * leaves it; a Lock cancelled in etcd deletes it, and the retry queues anew).
 */
export class EtcdLockBackend implements LockBackend {
  readonly fencing = true
  readonly tokenKind = 'revision'
  private readonly origins: string[]
  private readonly pools: Pool[]
  /** The member each client talks to now. */
  private readonly members = new Map<number, number>()

  constructor(
    readonly target: string,
    clients: number,
  ) {
    this.origins = hostList(target, 'etcd').map((h) => `http://${h}`)
    // A waiting Lock holds its connection; the keepalives next to it need their own.
    this.pools = this.origins.map((o) => new Pool(o, {connections: 2 * clients, pipelining: 1, keepAliveTimeout: 60_000}))
  }

  get recipe(): LockBackendRecipe {
    return {kind: 'etcd', target: this.target}
  }

  preflight(): Promise<void> {
    return preflightEtcd(this.origins)
  }

  async acquire(client: number, name: string, _owner: string, ttlMs: number, waitMs: number): Promise<Grant | undefined> {
    const started = Date.now()
    const lease = await this.rpc<{ID: string; TTL: string}>(client, '/v3/lease/grant', {TTL: Math.ceil(ttlMs / 1000)})
    const ttlGrantedMs = Number(lease.TTL) * 1000
    let renewedAt = started
    const keepalive = setInterval(() => {
      const sentAt = Date.now()
      this.rpc<{result?: {TTL?: string}}>(client, '/v3/lease/keepalive', {ID: lease.ID}).then(
        (answer) => {
          if (Number(answer.result?.TTL ?? 0) > 0) renewedAt = Math.max(renewedAt, sentAt)
        },
        () => {},
      )
    }, ttlGrantedMs / 3)
    try {
      const locked = await this.call<{key: string}>(client, LOCK_PATH, {name: b64(name), lease: lease.ID}, started + waitMs)
      if (!locked) {
        await this.revoke(client, lease.ID)
        return undefined
      }
      const createRevision = async (serializable: boolean) =>
        (await this.rpc<{kvs?: Array<{create_revision: string}>}>(client, '/v3/kv/range', {key: locked.key, serializable})).kvs?.[0]
      // The member that granted has the key; one the client moved to since may not have applied it yet: then a linearizable read.
      const kv = (await createRevision(true)) ?? (await createRevision(false))
      if (!kv) throw new OpError('lease-lost', `etcd: the lock key of ${name} was gone right after the grant`)
      return {token: Number(kv.create_revision), expiresAt: renewedAt + ttlGrantedMs, waitedMs: Date.now() - started, secret: lease.ID}
    } catch (err) {
      // Whatever failed, the lease must not hold a key that someone later mistakes for a grant.
      await this.revoke(client, lease.ID).catch(() => {})
      throw err
    } finally {
      clearInterval(keepalive)
    }
  }

  /** Revoking the lease deletes the lock key; "not found" means the lease had already expired. */
  async release(client: number, _name: string, _owner: string, grant: Grant): Promise<boolean> {
    return (await this.revoke(client, grant.secret!)) === 'revoked'
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.close()))
  }

  private async revoke(client: number, leaseId: string): Promise<'revoked' | 'gone'> {
    try {
      await this.rpc(client, '/v3/lease/revoke', {ID: leaseId})
      return 'revoked'
    } catch (err) {
      if (err instanceof OpError && err.kind === 'http-404') return 'gone'
      throw err
    }
  }

  /** An RPC that does not wait for a lock (grant, keepalive, range, revoke): its answer, or OpError 'unavailable' when no member gave one within RPC_TIMEOUT_MS. */
  private async rpc<T>(client: number, path: string, body: object): Promise<T> {
    const answer = await this.call<T>(client, path, body, Date.now() + RPC_TIMEOUT_MS)
    if (answer === undefined) throw new OpError('unavailable', `etcd ${path}: no answer within ${RPC_TIMEOUT_MS}ms`)
    return answer
  }

  /**
   * One etcd RPC, on the client's member and then the next ones until
   * `deadlineMs`. Resolves with the answer, or undefined when the deadline
   * passed first (a blocked Lock's request is then aborted, which cancels it
   * in etcd). A 4xx is etcd's refusal, thrown as OpError `http-<status>`.
   */
  private async call<T>(client: number, path: string, body: object, deadlineMs: number): Promise<T | undefined> {
    const payload = JSON.stringify(body)
    let member = this.members.get(client) ?? client % this.pools.length
    let last = ''
    for (let remaining = deadlineMs - Date.now(); remaining > 0; remaining = deadlineMs - Date.now()) {
      const res = await this.post(this.pools[member], path, payload, remaining).catch((err: Error) => err)
      if (res === undefined) return undefined
      if (!(res instanceof Error)) {
        if (res.status === 200) return JSON.parse(res.text) as T
        last = `${res.status}: ${res.text.slice(0, 200)}`
        if (res.status < 500) throw new OpError(`http-${res.status}`, `etcd ${path}: ${last}`)
      } else {
        last = res.message
      }
      member = (member + 1) % this.pools.length
      this.members.set(client, member)
      await sleep(RETRY_DELAY_MS)
    }
    if (last === '') return undefined
    throw new OpError('unavailable', `etcd ${path}: no answer (last: ${last})`)
  }

  /**
   * One POST. A Lock (`/v3/lock/lock`, which waits) is aborted after exactly
   * `timeoutMs` (undefined then) by a signal's timer: undici's headersTimeout
   * beyond a second runs on a coarse clock and can fire half a second early,
   * which would cut the wait short, and a Lock cancelled in etcd deletes its
   * key, the waiter's place. The other RPCs take the cheaper dispatch path.
   */
  private async post(pool: Pool, path: string, payload: string, timeoutMs: number): Promise<{status: number; text: string} | undefined> {
    if (path !== LOCK_PATH) {
      const res = await dispatchRequest(pool, {method: 'POST', path, body: payload, headersTimeoutMs: timeoutMs})
      return {status: res.status, text: res.body.toString('utf8')}
    }
    try {
      const res = await pool.request({method: 'POST', path, body: payload, headers: JSON_HEADERS, signal: AbortSignal.timeout(timeoutMs), headersTimeout: 0, bodyTimeout: 0})
      return {status: res.statusCode, text: await res.body.text()}
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') return undefined
      throw err
    }
  }
}
