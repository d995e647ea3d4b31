import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {readClusterState} from '../../../src/runtime/cluster/cluster-state.js'
import {isNodeAlive, sleep} from '../../../src/runtime/cluster/processes.js'
import {fetchHealth} from '../../../src/runtime/cluster/health.js'
import {TxnClusterClient} from '../../../src/check/txn-cluster-client.js'
import {txnSubsystem} from '../../../src/runtime/cluster/subsystems.js'
import {clusterDown, clusterUp, killNode, restartNode} from '../../../src/runtime/cluster/supervisor.js'
import {JsonClient} from '../../../src/runtime/net/json-client.js'
import {keyOwner} from '../../../src/core/txn/key-owner.js'

export {killNode, restartNode}

export const COORDINATOR = 'txn-coordinator'
export const PARTICIPANTS = ['txn-participant-1', 'txn-participant-2', 'txn-participant-3']

export type {TxnAnswer} from '../../../src/core/txn/types.js'

/**
 * A real coordinator and three participants in a temp data dir, with short
 * protocol timeouts so crashes resolve within a test's time.
 */
export class TxnCluster {
  readonly ownerOf = keyOwner(PARTICIPANTS)
  private readonly clients = new Map<string, JsonClient>()
  private txnClient: TxnClusterClient | undefined

  private constructor(readonly dataDir: string) {}

  /** `nodeOptions` go into every node's node.json options (e.g. checkpointAfterBytes). */
  static async start(nodeOptions: Record<string, unknown> = {}): Promise<TxnCluster> {
    const dataDir = mkdtempSync(join(tmpdir(), 'dsys-txn-'))
    const plans = txnSubsystem.plan({size: PARTICIPANTS.length}).map((plan) => ({
      ...plan,
      options: (urls: Record<string, string>) => ({
        ...plan.options(urls),
        ...(plan.kind === 'txn-coordinator' ? {prepareTimeoutMs: 2_000} : {queryAfterMs: 300}),
        ...nodeOptions,
      }),
    }))
    await clusterUp({dataDir, host: '127.0.0.1', plans, healthTimeoutMs: 15_000})
    return new TxnCluster(dataDir)
  }

  async stop(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()))
    await this.txnClient?.close()
    await clusterDown(this.dataDir, 1_000, true).catch(() => undefined)
    rmSync(this.dataDir, {recursive: true, force: true})
  }

  url(node: string): string {
    const record = readClusterState(this.dataDir)?.nodes.find((n) => n.name === node)
    if (!record) throw new Error(`no node ${node}`)
    return record.url
  }

  client(node: string): JsonClient {
    let c = this.clients.get(node)
    if (!c) {
      c = new JsonClient(this.url(node), {connections: 64})
      this.clients.set(node, c)
    }
    return c
  }

  /** Transactions, committed reads and settling, as `dsys check txn` does them. */
  get api(): TxnClusterClient {
    this.txnClient ??= new TxnClusterClient(this.url(COORDINATOR), Object.fromEntries(PARTICIPANTS.map((p) => [p, this.url(p)])))
    return this.txnClient
  }

  txn(...args: Parameters<TxnClusterClient['txn']>): ReturnType<TxnClusterClient['txn']> {
    return this.api.txn(...args)
  }

  read(key: string): Promise<string | undefined> {
    return this.api.read(key)
  }

  waitSettled(timeoutMs?: number): Promise<void> {
    return this.api.waitSettled(timeoutMs)
  }

  async health(node: string): Promise<Record<string, any>> {
    const h = await fetchHealth(this.url(node), 2_000)
    if (!h) throw new Error(`${node} does not answer /health`)
    return h
  }

  /** Waits (bounded) until `node`'s process is gone, e.g. after it crashed at a failpoint. */
  async waitDead(node: string, timeoutMs = 10_000): Promise<void> {
    const record = readClusterState(this.dataDir)!.nodes.find((n) => n.name === node)!
    const deadline = Date.now() + timeoutMs
    while (isNodeAlive(record.pid, record.configPath)) {
      if (Date.now() > deadline) throw new Error(`${node} did not crash at its failpoint within ${timeoutMs} ms`)
      await sleep(20)
    }
  }

  async failpoint(node: string, name: string): Promise<void> {
    const res = await this.client(node).request('POST', '/admin/failpoint', {name})
    if (res.status !== 200) throw new Error(`arming ${name} on ${node}: ${res.status} ${JSON.stringify(res.body)}`)
  }

  /** Keys named `${prefix}-<n>` such that the i-th is owned by the i-th participant. */
  keysOnEveryParticipant(prefix: string): string[] {
    return PARTICIPANTS.map((p) => {
      for (let n = 0; ; n++) if (this.ownerOf(`${prefix}-${n}`) === p) return `${prefix}-${n}`
    })
  }
}
