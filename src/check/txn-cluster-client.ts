import {isSettled, snapshotTxnCluster, waitSettled} from '../bench/txn/txn-cluster-stats.js'
import {JsonClient, segment} from '../runtime/net/json-client.js'
import {keyOwner} from '../core/txn/key-owner.js'
import {NO_READS} from '../core/txn/request.js'
import type {Condition, ReadRequest, TxnAnswer, Write} from '../core/txn/types.js'

/** Transactions through the coordinator, committed reads from the participant owning each key, and the cluster's settling. */
export class TxnClusterClient {
  /** The participant that owns `key`. */
  readonly ownerOf: (key: string) => string
  private readonly coordinator: JsonClient
  private readonly participants: Map<string, JsonClient>

  constructor(
    private readonly coordinatorUrl: string,
    private readonly participantUrls: Record<string, string>,
  ) {
    const connections = 64
    this.ownerOf = keyOwner(Object.keys(participantUrls))
    this.coordinator = new JsonClient(coordinatorUrl, {connections})
    this.participants = new Map(Object.entries(participantUrls).map(([name, url]) => [name, new JsonClient(url, {connections})]))
  }

  /**
   * POST /txn; undefined when the outcome is unknown (the coordinator died or
   * did not answer). A refusal throws. With `read.reads`, a committed answer
   * carries their values, read under locks held to the commit.
   */
  async txn(writes: Write[], conditions: Condition[] = [], read: ReadRequest = NO_READS): Promise<TxnAnswer | undefined> {
    const body = read.reads.length === 0 ? {writes, conditions} : {writes, conditions, ...read}
    let res
    try {
      res = await this.coordinator.request<TxnAnswer>('POST', '/txn', body, {headersTimeoutMs: 10_000})
    } catch {
      return undefined
    }
    if (res.status !== 200) throw new Error(`POST /txn: ${res.status} ${JSON.stringify(res.body)}`)
    return res.body
  }

  /** The committed value of `key` on the participant that owns it. */
  async read(key: string): Promise<string | undefined> {
    const owner = this.ownerOf(key)
    const res = await this.participants.get(owner)!.request<{value: string}>('GET', `/kv/${segment(key)}`)
    if (res.status === 404) return undefined
    if (res.status !== 200) throw new Error(`GET /kv/${key} on ${owner}: ${res.status}`)
    return res.body.value
  }

  /** Waits (bounded) until no participant is in doubt or holds a lock and the coordinator has nothing active. */
  async waitSettled(timeoutMs = 20_000): Promise<void> {
    const last = await waitSettled(this.coordinatorUrl, Object.values(this.participantUrls), timeoutMs)
    if (!(last instanceof Error) && isSettled(last)) return
    const state =
      last instanceof Error
        ? last.message
        : JSON.stringify({active: last.coordinator.activeTxns, participants: last.participants.map((p) => ({id: p.id, inDoubt: p.inDoubtCount, locked: p.lockedKeys}))})
    throw new Error(`the transaction cluster did not settle within ${timeoutMs} ms: ${state}`)
  }

  /** Each participant's id, transactions in doubt and keys locked, from its /health. */
  async participantStates(): Promise<Array<{id: string; inDoubt: number; lockedKeys: number}>> {
    const {participants} = await snapshotTxnCluster(this.coordinatorUrl, Object.values(this.participantUrls))
    return participants.map((p) => ({id: p.id, inDoubt: p.inDoubtCount, lockedKeys: p.lockedKeys}))
  }

  async close(): Promise<void> {
    await Promise.all([this.coordinator, ...this.participants.values()].map((c) => c.close()))
  }
}
