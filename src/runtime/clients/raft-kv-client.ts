import {randomUUID} from 'node:crypto'

import {retryDelayMs, type RetryPolicy} from '../../core/common/backoff.js'
import type {Env} from '../env/env.js'
import {realEnv} from '../env/real-env.js'
import {sleep} from '../env/sleep.js'
import {JsonClient, segment} from '../net/json-client.js'

/** No replica gave an answer within the operation's time bound. */
export class KvUnavailableError extends Error {
  override name = 'KvUnavailableError'
}

/** The cluster answered with a client error (400, 404 is not one: see get). */
export class KvRequestError extends Error {
  override name = 'KvRequestError'

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export interface RaftKvClientOptions {
  /** Keep-alive connections per replica; one per concurrent caller is enough. Default 16. */
  connectionsPerNode?: number
  /** Bound on one operation, retries and redirects included. Default 10 s. */
  opTimeoutMs?: number
  /** Backoff between attempts after a 503, a connection error or a second redirect. Default 20 ms doubling to 200 ms. */
  retry?: RetryPolicy
  /** The clock, timers and randomness of the deadline and the backoff. Default the process's own (realEnv). */
  env?: Pick<Env, 'now' | 'setTimer' | 'rng'>
}

/** Starts at the old fixed retry delay; the cap keeps a client that waited out an election at most ~200 ms late for the new leader. */
const DEFAULT_RETRY: RetryPolicy = {initialMs: 20, maxMs: 200}

export interface KvAnswer {
  status: number
  body: Record<string, unknown>
}

/**
 * A client for the Raft KV replicas: it follows 307 redirects to the leader
 * and remembers the leader, and on a connection error or a 503 it retries on
 * the next replica until its time bound. The first redirect of an operation
 * is followed at once (a follower naming the leader); every later attempt
 * waits the shared backoff, so replicas that disagree about the leader
 * during an election are not flooded. Writes go through a KvSession, whose
 * (clientId, seq) lets the replicas apply a retried write at most once.
 */
export class RaftKvClient {
  private readonly clients = new Map<string, JsonClient>()
  private readonly origins: string[]
  private leader: string
  private readonly connections: number
  private readonly opTimeoutMs: number
  private readonly retry: RetryPolicy
  private readonly env: Pick<Env, 'now' | 'setTimer' | 'rng'>

  constructor(urls: readonly string[], options: RaftKvClientOptions = {}) {
    if (urls.length === 0) throw new Error('RaftKvClient needs at least one replica URL')
    this.origins = urls.map((u) => new URL(u).origin)
    this.leader = this.origins[0]
    this.connections = options.connectionsPerNode ?? 16
    this.opTimeoutMs = options.opTimeoutMs ?? 10_000
    this.retry = options.retry ?? DEFAULT_RETRY
    this.env = options.env ?? realEnv()
  }

  session(clientId: string = randomUUID()): KvSession {
    return new KvSession(this, clientId)
  }

  /** The replica the client currently believes leads. */
  get leaderUrl(): string {
    return this.leader
  }

  /** One request, sent to the leader wherever it is; resolves with the first answer that is not a redirect or a 503. */
  async request(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<KvAnswer> {
    const deadline = this.env.now() + this.opTimeoutMs
    let target = this.leader
    let lastProblem = 'no attempt'
    let redirects = 0
    let backoffs = 0
    for (;;) {
      const remainingMs = deadline - this.env.now()
      if (remainingMs <= 0) throw new KvUnavailableError(`${method} ${path}: no answer within ${this.opTimeoutMs}ms (last: ${lastProblem})`)
      try {
        const res = await this.clientOf(target).request<Record<string, unknown> | undefined>(method, path, body, {headersTimeoutMs: remainingMs})
        const parsed = res.body ?? {}
        const location = res.status === 307 ? res.raw.header('location') : undefined
        if (location !== undefined) {
          target = new URL(location).origin
          this.leader = target
          lastProblem = `redirected to ${target}`
          // The first redirect is the normal case, a follower naming the leader: followed at once.
          if (redirects++ === 0) continue
        } else if (res.status !== 503) {
          this.leader = target
          return {status: res.status, body: parsed}
        } else {
          lastProblem = `503 from ${target}: ${String(parsed.error)}`
          target = this.next(target)
        }
      } catch (err) {
        lastProblem = `${target}: ${(err as Error).message}`
        target = this.next(target)
      }
      await sleep(this.env, Math.min(retryDelayMs(backoffs++, this.retry, this.env.rng), Math.max(0, deadline - this.env.now())))
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()))
  }

  private next(origin: string): string {
    const i = this.origins.indexOf(origin)
    return this.origins[(i + 1) % this.origins.length]
  }

  private clientOf(origin: string): JsonClient {
    let client = this.clients.get(origin)
    if (client === undefined) {
      client = new JsonClient(origin, {connections: this.connections, headersTimeoutMs: this.opTimeoutMs, bodyTimeoutMs: this.opTimeoutMs})
      this.clients.set(origin, client)
    }
    return client
  }
}

/** One client's operations, one at a time: each write gets the next seq, and its retries reuse it. */
export class KvSession {
  private seq = 0

  constructor(
    private readonly client: RaftKvClient,
    readonly clientId: string,
  ) {}

  async get(key: string): Promise<string | null> {
    const res = await this.client.request('GET', keyPath(key))
    if (res.status === 404) return null
    return expectOk(res).value as string
  }

  async put(key: string, value: string): Promise<void> {
    expectOk(await this.client.request('PUT', keyPath(key), {value, ...this.nextSession()}))
  }

  async delete(key: string): Promise<void> {
    expectOk(await this.client.request('DELETE', keyPath(key), this.nextSession()))
  }

  /** Sets `key` to `value` if it holds `expected` (null: absent); otherwise reports what it holds. */
  async cas(key: string, expected: string | null, value: string): Promise<{ok: boolean; value: string | null}> {
    const res = await this.client.request('POST', `${keyPath(key)}/cas`, {expected, value, ...this.nextSession()})
    if (res.status === 409) return {ok: false, value: res.body.value as string | null}
    expectOk(res)
    return {ok: true, value}
  }

  private nextSession(): {clientId: string; seq: number} {
    return {clientId: this.clientId, seq: ++this.seq}
  }
}

function keyPath(key: string): string {
  return `/kv/${segment(key)}`
}

function expectOk(res: KvAnswer): Record<string, unknown> {
  if (res.status !== 200) throw new KvRequestError(res.status, `${res.status}: ${String(res.body.error)}`)
  return res.body
}
