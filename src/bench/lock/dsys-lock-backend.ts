import {defaultLockTableOptions, type LockState} from '../../core/lock/types.js'
import {JsonClient, segment, type JsonResponse} from '../../runtime/net/json-client.js'
import {preflightNode} from '../preflight.js'
import {OpError, type LockBackendRecipe} from '../workload.js'
import type {Grant, LockBackend, TokenKind} from './lock-backend.js'

interface GrantBody {
  token: number
  expiresAt: number
  waitedMs: number
}

/** What any answer may carry: a lock table's rejection reason, an error, a follower's pointer to its leader. */
interface AnswerBody {
  reason?: string
  error?: string
  leaderUrl?: string
}

/** After a connection error (a server killed in a fault test) or a replica's 503: clients pause this long so they do not spin. */
const BACKOFF_MS = 20
/** How long a request keeps trying replicas: an election (a few hundred ms) fits, so a release survives the leader's death. */
const FAILOVER_WINDOW_MS = 2_000

/**
 * `http://H1:P1[,H2:P2...]`: a lock server, or lock replicas (any of them;
 * a follower redirects to the leader). A URL keeps its path (a server
 * behind a prefix, as the bench's fake servers are).
 */
export function lockServerUrls(target: string): string[] {
  const scheme = /^https?:\/\//.exec(target)?.[0] ?? 'http://'
  return target
    .slice(scheme.length)
    .split(',')
    .map((host) => (scheme + host).replace(/\/$/, ''))
}

/**
 * The dsys lock server or the replicated lock: a blocking acquire that waits
 * in the server's FIFO queue. Against replicas it follows a follower's 307
 * to the leader and remembers it, and on a connection error or a replica's
 * own 503 (no leader, no quorum: one without a lock table's `reason`) it
 * tries the next replica after a short back-off, for up to
 * FAILOVER_WINDOW_MS. A lone lock server gets one attempt, as before there
 * were replicas. An acquire answered "already held" by its own owner finds
 * the grant whose answer was lost (with a dead leader) and takes it.
 */
export class DsysLockBackend implements LockBackend {
  readonly fencing = true
  /** Known once the preflight has seen what answers. */
  tokenKind: TokenKind | undefined
  private readonly urls: string[]
  private readonly clients = new Map<string, JsonClient>()
  /** Where requests go: the only server, or the replica last seen leading. */
  private leader: string

  /** The lock server's bound (README, Limits): the next waiter gets a 503. */
  readonly waitersPerLock = defaultLockTableOptions.maxWaitersPerLock

  constructor(
    readonly target: string,
    private readonly connections: number,
  ) {
    this.urls = lockServerUrls(target)
    this.leader = this.urls[0]
  }

  async acquire(_client: number, name: string, owner: string, ttlMs: number, waitMs: number): Promise<Grant | undefined> {
    const sentAt = performance.now()
    const res = await this.send<GrantBody>('POST', `/locks/${segment(name)}/acquire`, {owner, ttlMs, waitMs}, waitMs)
    if (res.status === 200) return {token: res.body.token, expiresAt: res.body.expiresAt, waitedMs: res.body.waitedMs}
    if (res.status === 409 && res.body.reason === 'timeout') return undefined
    if (res.status === 409 && res.body.reason === 'already-held') {
      // A retry after the leader died with this acquire's answer: the grant was ours, so take it rather than wait out its lease.
      const held = await this.send<LockState>('GET', `/locks/${segment(name)}`, undefined, 0)
      if (held.status === 200 && held.body.holder === owner && held.body.token !== null && held.body.expiresAt !== null) {
        return {token: held.body.token, expiresAt: held.body.expiresAt, waitedMs: performance.now() - sentAt}
      }
    }
    throw new OpError(`http-${res.status}`, res.body.error)
  }

  async release(_client: number, name: string, owner: string, grant: Grant): Promise<boolean> {
    const res = await this.send<object>('POST', `/locks/${segment(name)}/release`, {owner, token: grant.token}, 0)
    if (res.status === 200) return true
    if (res.status === 409) return false
    throw new OpError(`http-${res.status}`, res.body.error)
  }

  get recipe(): LockBackendRecipe {
    return {kind: 'dsys', url: this.target}
  }

  /** At least one URL must answer as a lock server or a lock replica. */
  async preflight(): Promise<void> {
    const answers = await Promise.allSettled(this.urls.map((u) => preflightNode(u, ['lock-server', 'lock-replica'], 'dsys lock server')))
    const answered = answers.find((a) => a.status === 'fulfilled')
    if (answered === undefined) throw (answers[0] as PromiseRejectedResult).reason
    this.tokenKind = answered.value.kind === 'lock-replica' ? 'log index' : 'counter'
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()))
  }

  private async send<T>(method: 'GET' | 'POST', path: string, body: unknown, waitMs: number): Promise<JsonResponse<T & AnswerBody>> {
    const failoverUntil = performance.now() + FAILOVER_WINDOW_MS
    for (let attempt = 1; ; attempt++) {
      const url = this.leader
      // One URL: one attempt, and one redirect (to a leader outside the list).
      const last = this.urls.length === 1 ? attempt >= 2 : performance.now() >= failoverUntil
      let res: JsonResponse<T & AnswerBody>
      try {
        res = await this.client(url).request<T & AnswerBody>(method, path, body, {headersTimeoutMs: waitMs + 10_000})
      } catch (err) {
        await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS))
        if (last || this.urls.length === 1) throw new OpError('unavailable', (err as Error).message)
        this.passOver(url)
        continue
      }
      if (res.status === 307 && res.body.leaderUrl !== undefined && !last) {
        this.leader = new URL(res.body.leaderUrl).origin
        continue
      }
      if (res.status === 503 && res.body.reason === undefined && this.urls.length > 1 && !last) {
        await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS))
        this.passOver(url)
        continue
      }
      return res
    }
  }

  /** `url` failed: the next replica is tried, unless another request already moved on. */
  private passOver(url: string): void {
    if (this.leader === url) this.leader = this.urls[(this.urls.indexOf(url) + 1) % this.urls.length]
  }

  private client(url: string): JsonClient {
    let client = this.clients.get(url)
    if (client === undefined) {
      // Each client has at most one request open, and a waiting acquire holds its connection.
      // The raw transport: on one contended lock every handoff passes through this client, so undici's cost per request would be what the benchmark measured.
      client = new JsonClient(url, {connections: this.connections, transport: 'raw'})
      this.clients.set(url, client)
    }
    return client
  }
}
