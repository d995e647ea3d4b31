import {performance} from 'node:perf_hooks'
import {setTimeout as sleep} from 'node:timers/promises'

import {SeededRng} from '../../core/common/rng.js'
import {OpError, Operation, Workload, WorkloadRecipe} from '../workload.js'
import type {LockBackend, TokenKind} from './lock-backend.js'
import {ProtectedResource} from './protected-resource.js'

export interface LockWorkloadOptions {
  /** All clients of the run (over every thread): the size of the fairness count. */
  clients: number
  locks: number
  holdMs: number
  ttlMs: number
  waitMs: number
  seed: number
}

/** What the threads of a --threads run share: the protected resource and the grants per client. */
export interface LockWorkloadMemory {
  resource: SharedArrayBuffer
  acquisitions: SharedArrayBuffer
}

/** Jain's fairness index: 1 when every client got the same share, 1/n when one got everything. */
export function jainIndex(xs: number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0)
  const squares = xs.reduce((a, b) => a + b * b, 0)
  return squares === 0 ? 1 : (sum * sum) / (xs.length * squares)
}

/** What the report says of the target's fencing tokens: whether it gives them, and what they are. */
export function fencingTokens(backend: Pick<LockBackend, 'fencing' | 'tokenKind'>): string {
  if (!backend.fencing) return 'no: this target issues no fencing tokens, so stale holders cannot be fenced off'
  return backend.tokenKind ? `yes: ${TOKEN_MEANING[backend.tokenKind]}` : 'yes'
}

const TOKEN_MEANING: Record<TokenKind, string> = {
  counter: "the lock server's durable counter",
  'log index': 'the Raft log index of the grant',
  revision: "the lock key's create revision",
  sequence: "the lock node's sequence number",
}

/**
 * One operation = acquire a random lock of `locks`, enter the protected
 * resource with the token, hold it, leave, release. The operation's latency is
 * the whole cycle; "acquire", "wait" and "release" have their own histograms.
 */
export class LockWorkload implements Workload {
  readonly name = 'lock'
  private readonly resource: ProtectedResource
  /** Grants per client over the whole run, shared by the threads of a --threads run. */
  private readonly acquisitions: Int32Array
  private readonly runId = Math.random().toString(36).slice(2, 8)
  /** Each name is built once: one made per operation costs a string build and a hash on every lookup. */
  private readonly names: string[] = []

  /** `shared`: the memory of the main thread's workload, when this one runs in a worker thread. */
  constructor(
    private readonly backend: LockBackend,
    private readonly opts: LockWorkloadOptions,
    shared?: LockWorkloadMemory,
  ) {
    this.resource = new ProtectedResource(backend.fencing, opts.locks, shared?.resource)
    this.acquisitions = new Int32Array(shared?.acquisitions ?? new SharedArrayBuffer(4 * opts.clients))
  }

  readonly metrics = ['acquire-release', 'acquire', 'wait', 'handoff', 'release']

  get recipe(): WorkloadRecipe {
    return {kind: 'lock', backend: this.backend.recipe, options: this.opts, memory: {resource: this.resource.buffer, acquisitions: this.acquisitions.buffer as SharedArrayBuffer}}
  }

  get target(): string {
    return this.backend.target
  }

  get clientLimit(): {max: number; why: string} | undefined {
    const perLock = this.backend.waitersPerLock
    if (perLock === undefined) return undefined
    return {max: perLock * this.opts.locks, why: `the target queues at most ${perLock.toLocaleString('en-US')} waiters per lock, over ${this.opts.locks} lock(s)`}
  }

  preflight(): Promise<void> {
    return this.backend.preflight()
  }

  async createClient(client: number): Promise<Operation> {
    const rng = new SeededRng(this.opts.seed * 7919 + client)
    const owner = `bench-${this.runId}-${client}`
    return async (ctx) => {
      const i = rng.int(this.opts.locks)
      const name = (this.names[i] ??= `bench-lock-${i}`)
      const t0 = performance.now()
      const grant = await this.backend.acquire(client, name, owner, this.opts.ttlMs, this.opts.waitMs)
      const t1 = performance.now()
      if (!grant) throw new OpError('timeout', `no grant on ${name} within ${this.opts.waitMs}ms`)
      ctx.record('acquire', (t1 - t0) * 1000)
      ctx.record('wait', grant.waitedMs * 1000)
      Atomics.add(this.acquisitions, client, 1)

      // The hand-off gap: the resource stood empty this long between the last holder leaving and this one entering.
      const gapMs = this.resource.enter(i, client, grant.token, grant.expiresAt, Date.now(), performance.timeOrigin + performance.now())
      if (gapMs !== undefined) ctx.record('handoff', gapMs * 1000)
      if (this.opts.holdMs > 0) await sleep(this.opts.holdMs)
      if (!this.resource.write(i, grant.token)) ctx.count('fencedWrites')
      this.resource.exit(i, client, performance.timeOrigin + performance.now())

      const t2 = performance.now()
      const released = await this.backend.release(client, name, owner, grant)
      ctx.record('release', (performance.now() - t2) * 1000)
      if (!released) throw new OpError('lease-lost', `the lease on ${name} ended before release`)
      return 'acquire-release'
    }
  }

  summarize(): Record<string, unknown> {
    const perClient = [...this.acquisitions]
    const acquisitions = perClient.reduce((a, b) => a + b, 0)
    return {
      locks: this.opts.locks,
      holdMs: this.opts.holdMs,
      ttlMs: this.opts.ttlMs,
      waitMs: this.opts.waitMs,
      // Counted over the whole run (warmup too): fairness is about shares, not rates.
      acquisitions,
      // Without a single grant there is nothing to be fair or safe about: null, not a perfect score.
      fairness: acquisitions === 0 ? null : jainIndex(perClient),
      perClientAcquisitions: {min: Math.min(...perClient), max: Math.max(...perClient)},
      fencingTokens: fencingTokens(this.backend),
      safety: acquisitions === 0 ? null : this.resource.report(),
    }
  }

  close(): Promise<void> {
    return this.backend.close()
  }
}
