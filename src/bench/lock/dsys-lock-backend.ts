import {defaultLockTableOptions} from '../../core/lock/types.js'
import {JsonClient, segment} from '../../runtime/net/json-client.js'
import {preflightNode} from '../preflight.js'
import {OpError, type LockBackendRecipe} from '../workload.js'
import type {Grant, LockBackend} from './lock-backend.js'

interface GrantBody {
  token: number
  expiresAt: number
  waitedMs: number
}

/** The dsys lock server: a blocking acquire that waits in the server's FIFO queue. */
export class DsysLockBackend implements LockBackend {
  readonly fencing = true
  private readonly http: JsonClient

  /** The lock server's bound (README, Limits): the next waiter gets a 503. */
  readonly waitersPerLock = defaultLockTableOptions.maxWaitersPerLock

  constructor(
    readonly target: string,
    clients: number,
  ) {
    // Each client has at most one request open, and a waiting acquire holds its connection.
    // The raw transport: on one contended lock every handoff passes through this client, so undici's cost per request would be what the benchmark measured.
    this.http = new JsonClient(target, {connections: clients, transport: 'raw'})
  }

  async acquire(_client: number, name: string, owner: string, ttlMs: number, waitMs: number): Promise<Grant | undefined> {
    const res = await this.send<GrantBody & {reason?: string; error?: string}>(`/locks/${segment(name)}/acquire`, {owner, ttlMs, waitMs}, waitMs)
    if (res.status === 200) return {token: res.body.token, expiresAt: res.body.expiresAt, waitedMs: res.body.waitedMs}
    if (res.status === 409 && res.body.reason === 'timeout') return undefined
    throw new OpError(`http-${res.status}`, res.body.error)
  }

  async release(_client: number, name: string, owner: string, grant: Grant): Promise<boolean> {
    const res = await this.send<{error?: string}>(`/locks/${segment(name)}/release`, {owner, token: grant.token}, 0)
    if (res.status === 200) return true
    if (res.status === 409) return false
    throw new OpError(`http-${res.status}`, res.body.error)
  }

  get recipe(): LockBackendRecipe {
    return {kind: 'dsys', url: this.target}
  }

  async preflight(): Promise<void> {
    await preflightNode(this.target, 'lock-server', 'dsys lock server')
  }

  close(): Promise<void> {
    return this.http.close()
  }

  private async send<T>(path: string, body: unknown, waitMs: number) {
    try {
      return await this.http.request<T>('POST', path, body, {headersTimeoutMs: waitMs + 10_000})
    } catch (err) {
      // The server is down (e.g. killed in a fault test): back off a little so clients do not spin.
      await new Promise((resolve) => setTimeout(resolve, 20))
      throw new OpError('unavailable', (err as Error).message)
    }
  }
}
