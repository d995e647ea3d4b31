import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {request} from 'undici'

import {requireClusterState, type NodeRecord} from '../../../src/runtime/cluster/cluster-state.js'
import {raftSubsystem, type Subsystem} from '../../../src/runtime/cluster/subsystems.js'
import {clusterDown, clusterUp, killNode, restartNode} from '../../../src/runtime/cluster/supervisor.js'
import {fetchHealth, type Health} from '../../../src/runtime/cluster/health.js'
import {healCluster, partitionCluster} from '../../../src/runtime/cluster/partition.js'
import {RaftKvClient} from '../../../src/runtime/clients/raft-kv-client.js'

const HEALTH_TIMEOUT_MS = 15_000

/** Three (or `size`) real replica processes of `subsystem` (Raft KV by default; Multi-Paxos KV, lock replicas) from dist/, in a temp data dir, plus a KV client for them. */
export class ReplicaTestCluster {
  readonly client: RaftKvClient

  private constructor(
    readonly dataDir: string,
    readonly urls: Record<string, string>,
  ) {
    this.client = new RaftKvClient(Object.values(urls), {opTimeoutMs: 10_000})
  }

  static async start(options: Record<string, unknown> = {}, size = 3, subsystem: Subsystem = raftSubsystem): Promise<ReplicaTestCluster> {
    const dataDir = mkdtempSync(join(tmpdir(), `dsys-${subsystem.name}-`))
    const plans = subsystem.plan({size}).map((p) => ({...p, options: (urls: Record<string, string>) => ({...p.options(urls), ...options})}))
    try {
      const {state} = await clusterUp({dataDir, host: '127.0.0.1', plans, healthTimeoutMs: HEALTH_TIMEOUT_MS})
      return new ReplicaTestCluster(dataDir, Object.fromEntries(state.nodes.map((n) => [n.name, n.url])))
    } catch (err) {
      // clusterUp stopped every node it started; the suite gets no cluster to stop, so the temp dir goes here.
      rmSync(dataDir, {recursive: true, force: true})
      throw err
    }
  }

  /** The replicas' records in the cluster state: what the nemesis faults. */
  nodes(): NodeRecord[] {
    return requireClusterState(this.dataDir).nodes
  }

  get names(): string[] {
    return Object.keys(this.urls)
  }

  health(name: string): Promise<Health | undefined> {
    return fetchHealth(this.urls[name])
  }

  /** Polls until `check` holds for some replica's health, within a bound; returns that replica's name. */
  async waitFor(check: (h: Health) => boolean, what: string, names = this.names, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      for (const name of names) {
        const h = await this.health(name)
        if (h !== undefined && check(h)) return name
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  waitForLeader(names = this.names): Promise<string> {
    return this.waitFor((h) => h.role === 'leader', 'a leader', names)
  }

  kill(name: string): void {
    killNode(this.dataDir, name, 'KILL')
  }

  /** Cuts `group` off from the other replicas, as `dsys cluster partition` does. */
  partition(group: string[]): Promise<unknown> {
    return partitionCluster(this.dataDir, group)
  }

  heal(): Promise<unknown> {
    return healCluster(this.dataDir)
  }

  restart(name: string): Promise<unknown> {
    return restartNode(this.dataDir, name, 1_000, HEALTH_TIMEOUT_MS)
  }

  /** A raw request to one replica, no redirects or retries: what a client sees from that node. */
  async raw(name: string, method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: string): Promise<{status: number; body: Record<string, unknown>}> {
    const res = await request(`${this.urls[name]}${path}`, {
      method,
      body,
      headers: body === undefined ? {} : {'content-type': 'application/json'},
      // A replica must answer within its requestTimeoutMs; a hang fails the test here.
      headersTimeout: 10_000,
    })
    const text = await res.body.text()
    return {status: res.statusCode, body: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {}}
  }

  async stop(): Promise<void> {
    await this.client.close()
    await clusterDown(this.dataDir, 1_000, true)
    rmSync(this.dataDir, {recursive: true, force: true})
  }
}
