import {setTimeout as sleep} from 'node:timers/promises'
import {Pool, request} from 'undici'

import {dispatchRequest} from '../../runtime/net/dispatch-request.js'
import {preflightGet} from '../preflight.js'
import {OpError, PreflightError, type KvTargetRecipe} from '../workload.js'
import type {KvTarget, KvTargetClient} from './kv-target.js'

/** Pause before retrying on another member after an error. */
const RETRY_DELAY_MS = 20

/**
 * etcd through its v3 JSON gateway (POST /v3/kv/put, /v3/kv/range with
 * base64 keys and values; a range is linearizable unless asked otherwise).
 * `etcd://h1:p1,h2:p2,...` names the members; clients spread over them as
 * clientv3's round-robin balancer does (members forward writes to the
 * leader), and move to the next member on an error.
 */
export class EtcdKvTarget implements KvTarget {
  private readonly origins: string[]
  private readonly pools: Pool[]

  /**
   * `attemptTimeoutMs` bounds one request before the client moves to the next
   * member: without it a put sent to a member that lost its leader waits for
   * etcd's own request timeout (7 s with default settings) before a retry.
   */
  constructor(
    readonly name: string,
    clients: number,
    private readonly opTimeoutMs: number,
    private readonly attemptTimeoutMs: number = opTimeoutMs,
  ) {
    const hosts = name.replace(/^etcd:\/\//, '').split(',').filter((h) => h.length > 0)
    if (hosts.length === 0) throw new Error(`--target etcd://HOST:PORT[,HOST:PORT...], got "${name}"`)
    this.origins = hosts.map((h) => `http://${h}`)
    this.pools = this.origins.map((o) => new Pool(o, {connections: clients, pipelining: 1, keepAliveTimeout: 60_000}))
  }

  get recipe(): KvTargetRecipe {
    return {kind: 'etcd', name: this.name, opTimeoutMs: this.opTimeoutMs, attemptTimeoutMs: this.attemptTimeoutMs}
  }

  preflight(): Promise<void> {
    return preflightEtcd(this.origins)
  }

  client(index: number): KvTargetClient {
    let member = index % this.pools.length
    const call = async (path: string, body: Record<string, string>): Promise<void> => {
      const payload = JSON.stringify(body)
      const deadline = Date.now() + this.opTimeoutMs
      let last = ''
      while (Date.now() < deadline) {
        try {
          const res = await dispatchRequest(this.pools[member], {method: 'POST', path, body: payload, headersTimeoutMs: Math.max(1, Math.min(this.attemptTimeoutMs, deadline - Date.now()))})
          if (res.status === 200) return
          last = `${res.status}: ${res.body.toString('utf8').slice(0, 200)}`
          if (res.status < 500) throw new OpError(`http-${res.status}`, last)
        } catch (err) {
          if (err instanceof OpError) throw err
          last = (err as Error).message
        }
        member = (member + 1) % this.pools.length
        await sleep(RETRY_DELAY_MS)
      }
      throw new OpError('unavailable', `etcd: no answer within ${this.opTimeoutMs}ms (last: ${last})`)
    }
    return {
      get: (key) => call('/v3/kv/range', {key: b64(key)}),
      put: (key, value) => call('/v3/kv/put', {key: b64(key), value: b64(value)}),
    }
  }

  /** From each member's Prometheus /metrics: WAL fsyncs, and committed entries (the leader's count). */
  async counters(): Promise<Record<string, number>> {
    let fsyncs = 0
    let committedEntries = 0
    for (const origin of this.origins) {
      try {
        const res = await request(`${origin}/metrics`, {headersTimeout: 2_000, bodyTimeout: 2_000})
        const text = await res.body.text()
        fsyncs += metric(text, 'etcd_disk_wal_fsync_duration_seconds_count')
        committedEntries = Math.max(committedEntries, metric(text, 'etcd_server_proposals_committed_total'))
      } catch {
        // a member that is down adds nothing
      }
    }
    return {fsyncs, committedEntries}
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.close()))
  }
}

/** etcd's GET /health on each member until one answers as etcd does ({"health": ...}). */
export async function preflightEtcd(origins: readonly string[]): Promise<void> {
  let failure: Error | undefined
  for (const origin of origins) {
    try {
      const {status, body} = await preflightGet(`${origin}/health`)
      if (status === 200 && /"health"/.test(body)) return
      failure = new PreflightError(`${origin} does not answer as etcd (GET /health answered ${status})`)
    } catch (err) {
      failure = err as Error
    }
  }
  throw failure
}

export function b64(s: string): string {
  return Buffer.from(s).toString('base64')
}

function metric(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text)
  return match === null ? 0 : Number(match[1])
}
