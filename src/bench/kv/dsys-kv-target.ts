import {fetchHealth} from '../../runtime/cluster/health.js'
import {KvRequestError, KvUnavailableError, RaftKvClient} from '../../runtime/clients/raft-kv-client.js'
import {preflightNode} from '../preflight.js'
import {OpError, type KvTargetRecipe} from '../workload.js'
import type {KvTarget, KvTargetClient} from './kv-target.js'

/** The node kinds that serve the replicated KV's client API. */
const KV_REPLICA_KINDS = ['raft-node', 'paxos']

/** The dsys KV replicas, on Raft or Multi-Paxos: clients find the leader through redirects and stay with it. */
export class DsysKvTarget implements KvTarget {
  /** 'dsys raft' or 'dsys paxos' once preflight has seen the replicas' kind; 'dsys' before (and in driver threads, which do not report it). */
  name = 'dsys'
  private readonly kv: RaftKvClient

  constructor(
    private readonly urls: readonly string[],
    clients: number,
    private readonly opTimeoutMs: number,
  ) {
    this.kv = new RaftKvClient(urls, {connectionsPerNode: clients, opTimeoutMs})
  }

  get recipe(): KvTargetRecipe {
    return {kind: 'dsys', urls: [...this.urls], opTimeoutMs: this.opTimeoutMs}
  }

  /** At least one replica must answer as a KV replica. */
  async preflight(): Promise<void> {
    const answers = await Promise.allSettled(this.urls.map((u) => preflightNode(u, KV_REPLICA_KINDS, 'KV replica (raft-node or paxos)')))
    const failed = answers.find((a) => a.status === 'rejected')
    if (answers.every((a) => a.status === 'rejected')) throw failed!.reason
    const healthy = answers.find((a) => a.status === 'fulfilled')
    if (healthy !== undefined) this.name = healthy.value.kind === 'paxos' ? 'dsys paxos' : 'dsys raft'
  }

  client(): KvTargetClient {
    const session = this.kv.session()
    return {
      get: (key) => failAsOpError(session.get(key)),
      put: (key, value) => failAsOpError(session.put(key, value)),
    }
  }

  /** Sums each replica's /health counters; a replica that does not answer adds nothing. */
  async counters(): Promise<Record<string, number>> {
    const healths = await Promise.all(this.urls.map((u) => fetchHealth(u, 2_000)))
    const sum: Record<string, number> = {}
    let leaderEntries = 0
    for (const h of healths) {
      if (h === undefined) continue
      const c = h.counters as Record<string, number>
      for (const name of ['messagesSent', 'messagesInAnswers', 'peerRequests', 'fsyncs']) sum[name] = (sum[name] ?? 0) + c[name]
      if (h.role === 'leader') leaderEntries = c.entriesApplied
    }
    return {...sum, committedEntries: leaderEntries}
  }

  close(): Promise<void> {
    return this.kv.close()
  }
}

async function failAsOpError(op: Promise<unknown>): Promise<void> {
  try {
    await op
  } catch (err) {
    if (err instanceof KvUnavailableError) throw new OpError('unavailable', err.message)
    if (err instanceof KvRequestError) throw new OpError(`http-${err.status}`, err.message)
    throw err
  }
}
