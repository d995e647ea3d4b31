import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {readClusterState} from '../../../src/core/cluster/cluster-state.js'
import {fetchHealth} from '../../../src/core/cluster/health.js'
import {sleep} from '../../../src/core/cluster/processes.js'
import {txnSubsystem} from '../../../src/core/cluster/subsystems.js'
import {clusterDown, clusterUp, killNode, restartNode} from '../../../src/core/cluster/supervisor.js'
import {JsonClient, segment} from '../../../src/core/net/json-client.js'
import {keyOwner} from '../../../src/nodes/txn-common/key-owner.js'
import type {TxnAnswer} from '../../../src/nodes/txn-coordinator/coordinator-service.js'

export {killNode, restartNode}

export const COORDINATOR = 'txn-coordinator'
export const PARTICIPANTS = ['txn-participant-1', 'txn-participant-2', 'txn-participant-3']

export type {TxnAnswer} from '../../../src/nodes/txn-coordinator/coordinator-service.js'

/**
 * A real coordinator and three participants in a temp data dir, with short
 * protocol timeouts so crashes resolve within a test's time.
 */
export class TxnCluster {
  readonly ownerOf = keyOwner(PARTICIPANTS)
  private readonly clients = new Map<string, JsonClient>()

  private constructor(readonly dataDir: string) {}

  static async start(): Promise<TxnCluster> {
    const dataDir = mkdtempSync(join(tmpdir(), 'dsys-txn-'))
    const plans = txnSubsystem.plan({size: PARTICIPANTS.length}).map((plan) => ({
      ...plan,
      options: (urls: Record<string, string>) => ({...plan.options(urls), ...(plan.kind === 'txn-coordinator' ? {prepareTimeoutMs: 2_000} : {queryAfterMs: 300})}),
    }))
    await clusterUp({dataDir, host: '127.0.0.1', plans, healthTimeoutMs: 15_000})
    return new TxnCluster(dataDir)
  }

  async stop(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()))
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

  /** POST /txn; undefined when the outcome is unknown (the coordinator died or did not answer). */
  async txn(writes: Array<{key: string; value: string}>, conditions: Array<{key: string; value: string | null}> = []): Promise<TxnAnswer | undefined> {
    try {
      const res = await this.client(COORDINATOR).request<TxnAnswer>('POST', '/txn', {writes, conditions}, {headersTimeoutMs: 10_000})
      if (res.status !== 200) throw new Error(`POST /txn: ${res.status} ${JSON.stringify(res.body)}`)
      return res.body
    } catch (err) {
      if ((err as Error).message.startsWith('POST /txn')) throw err
      return undefined
    }
  }

  /** The committed value of `key` on the participant that owns it. */
  async read(key: string): Promise<string | undefined> {
    const res = await this.client(this.ownerOf(key)).request<{value: string}>('GET', `/kv/${segment(key)}`)
    if (res.status === 404) return undefined
    if (res.status !== 200) throw new Error(`GET /kv/${key} on ${this.ownerOf(key)}: ${res.status}`)
    return res.body.value
  }

  async health(node: string): Promise<Record<string, any>> {
    const h = await fetchHealth(this.url(node), 2_000)
    if (!h) throw new Error(`${node} does not answer /health`)
    return h
  }

  async failpoint(node: string, name: string): Promise<void> {
    const res = await this.client(node).request('POST', '/admin/failpoint', {name})
    if (res.status !== 200) throw new Error(`arming ${name} on ${node}: ${res.status} ${JSON.stringify(res.body)}`)
  }

  /** Waits (bounded) until no participant is in doubt or holds a lock and the coordinator has nothing active. */
  async waitSettled(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    let last = ''
    while (Date.now() < deadline) {
      const healths = await Promise.all([COORDINATOR, ...PARTICIPANTS].map((n) => fetchHealth(this.url(n), 1_000)))
      const [coordinator, ...participants] = healths
      if (coordinator && participants.every((p) => p && p.inDoubtCount === 0 && p.lockedKeys === 0) && coordinator.activeTxns === 0) return
      last = JSON.stringify(healths.map((h) => h && {id: h.id, inDoubt: h.inDoubtCount, locked: h.lockedKeys, active: h.activeTxns}))
      await sleep(100)
    }
    throw new Error(`cluster did not settle within ${timeoutMs} ms: ${last}`)
  }

  /** Keys named `${prefix}-<n>` such that the i-th is owned by the i-th participant. */
  keysOnEveryParticipant(prefix: string): string[] {
    return PARTICIPANTS.map((p) => {
      for (let n = 0; ; n++) if (this.ownerOf(`${prefix}-${n}`) === p) return `${prefix}-${n}`
    })
  }
}
