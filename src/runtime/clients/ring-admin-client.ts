import {setTimeout as sleep} from 'node:timers/promises'

import {requireClusterState} from '../cluster/cluster-state.js'
import {addNode, removeNode} from '../cluster/supervisor.js'
import {JsonClient, segment} from '../net/json-client.js'
import {nextShardName} from '../../core/ring-live/index.js'
import type {MigrationReport} from '../../core/ring-live/migration-report.js'

/** A membership change the router refused (unknown shard, a migration already running): fit to show a user. */
export class RingAdminError extends Error {
}

export interface RouterHealth {
  algorithm: string
  nodes: string[]
  shards: Record<string, {url: string; requests: number}>
}

/**
 * Drives a running ring router's admin API from outside: the `ring
 * add-node`/`remove-node` commands and `bench ring --add-node-at` use it.
 */
export class RingAdmin {
  private readonly client: JsonClient

  private constructor(
    private readonly dataDir: string,
    readonly routerUrl: string,
  ) {
    this.client = new JsonClient(routerUrl, {connections: 2})
  }

  /** The router of the cluster in `dataDir`; throws RingAdminError when there is none. */
  static forCluster(dataDir: string): RingAdmin {
    const router = requireClusterState(dataDir).nodes.find((n) => n.kind === 'ring-router')
    if (!router) throw new RingAdminError(`no ring router in the cluster in ${dataDir}; start one with: dsys cluster up --ring 3`)
    return new RingAdmin(dataDir, router.url)
  }

  async health(): Promise<RouterHealth> {
    const res = await this.client.request<RouterHealth>('GET', '/health')
    if (res.status !== 200) throw new RingAdminError(`router at ${this.routerUrl} answered /health with ${res.status}`)
    return res.body
  }

  /** Starts a new shard process (the next free `ring-shard-N`), adds it to the router and waits for the migration. */
  async addShard(timeoutMs: number, healthTimeoutMs = 15_000): Promise<MigrationReport> {
    const {nodes} = await this.health()
    const known = [...nodes, ...requireClusterState(this.dataDir).nodes.map((n) => n.name)]
    const name = nextShardName(known)
    const {node} = await addNode(this.dataDir, {name, kind: 'ring-shard', subsystem: 'ring', options: () => ({})}, healthTimeoutMs)
    try {
      return await this.changeAndWait(this.client.request<MigrationReport>('POST', '/admin/shards', {name, url: node.url}), timeoutMs)
    } catch (err) {
      // A refused change leaves the new process unused: stop it rather than leave an orphan.
      if (err instanceof RingAdminError) await removeNode(this.dataDir, name, 1000, true)
      throw err
    }
  }

  /** Why `name` cannot be removed (not a shard of the ring, or its last one); undefined when it can. Asks the router, changes nothing. */
  async removalProblem(name: string): Promise<string | undefined> {
    const {nodes} = await this.health()
    if (!nodes.includes(name)) return `no shard named "${name}" in the ring; shards: ${nodes.join(', ')}`
    if (nodes.length === 1) return `${name} is the ring's only shard: its keys would have nowhere to go; add one first with: dsys ring add-node`
    return undefined
  }

  /** Checks `name` (removalProblem), then drains it. */
  async removeShard(name: string, timeoutMs: number): Promise<MigrationReport> {
    const problem = await this.removalProblem(name)
    if (problem) throw new RingAdminError(problem)
    return this.drainShard(name, timeoutMs)
  }

  /** Drains `name`, which removalProblem passed (its keys move to the remaining shards), then stops its process. */
  async drainShard(name: string, timeoutMs: number): Promise<MigrationReport> {
    const report = await this.changeAndWait(this.client.request<MigrationReport>('DELETE', `/admin/shards/${segment(name)}`), timeoutMs)
    if (requireClusterState(this.dataDir).nodes.some((n) => n.name === name)) await removeNode(this.dataDir, name, 5_000, true)
    return report
  }

  close(): Promise<void> {
    return this.client.close()
  }

  private async changeAndWait(started: Promise<{status: number; body: MigrationReport | {error: string}}>, timeoutMs: number): Promise<MigrationReport> {
    const res = await started
    if (res.status !== 202) throw new RingAdminError(`router refused the change: ${(res.body as {error: string}).error}`)
    const {id} = res.body as MigrationReport
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const status = await this.client.request<{running: MigrationReport | null; last: MigrationReport | null}>('GET', '/admin/migration')
      if (status.body.last?.id === id) return status.body.last
      if (Date.now() > deadline) {
        throw new Error(`migration ${id} did not finish within ${timeoutMs}ms (phase ${status.body.running?.phase}, last error: ${status.body.running?.lastError ?? 'none'}); it goes on in the router`)
      }
      await sleep(50)
    }
  }
}
