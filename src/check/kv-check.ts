import {performance} from 'node:perf_hooks'

import type {NodeRecord} from '../runtime/cluster/cluster-state.js'
import {SeededRng} from '../core/common/rng.js'
import {UsageError} from '../core/common/usage-error.js'
import {KvRequestError, KvSession, RaftKvClient} from '../runtime/clients/raft-kv-client.js'
import {KvEvent} from '../core/check/kv-history.js'
import {History, recheckedRun, writeHistory} from './histories.js'
import {judgeKvHistory, KvVerdict} from '../core/check/kv-verdict.js'
import {CheckObserver, Fault, FaultEvent, NemesisOptions, pickVictim, runUnderFaults, Victim} from './nemesis.js'

export interface KvCheckOptions {
  dataDir: string
  /** The KV replicas (Raft or Multi-Paxos) the clients talk to. */
  urls: string[]
  /** The local cluster's nodes behind `urls`: what the nemesis faults. */
  nodes: NodeRecord[]
  clients: number
  keys: number
  durationMs: number
  faults: Fault[]
  /** A fault starts, then ends this long later, then the next starts as long after. */
  faultIntervalMs: number
  seed: number
  /** Bound on one operation, retries and redirects included: past it the outcome is unknown. */
  opTimeoutMs: number
  /** Which replica a fault hits; `mixed` by default. */
  victim?: Victim
  historyPath: string
  observer?: CheckObserver
}

export interface KvCheckReport extends KvVerdict {
  workload: 'check-kv'
  clients: number
  keys: number
  durationS: number
  /** Absent on a re-check: the history file does not record it. */
  seed?: number
  /** True when only the checker ran, on a history written earlier (`--recheck`). */
  rechecked?: true
  faults: FaultEvent[]
  history: string
}

/**
 * Jepsen's recipe on the replicated KV (Raft or Multi-Paxos): clients run random puts, gets and
 * compare-and-sets on a few fresh keys and record every invocation and
 * outcome, while a nemesis partitions, kills or pauses one replica at a time
 * and then heals, restarts or resumes it. The history is written as JSON Lines, then checked for
 * linearizability.
 */
export async function runKvCheck(opts: KvCheckOptions): Promise<KvCheckReport> {
  // A usage error (exit 2), as check lock's: exit 1 would read as "not linearizable or undecided".
  if (opts.faults.length > 0 && opts.nodes.length === 0) {
    throw new UsageError(`--faults ${opts.faults.join(',')} needs KV replicas the local cluster runs (its nodes are the victims); ${opts.urls.join(', ')} is not one: use --faults none`)
  }
  const client = new RaftKvClient(opts.urls, {opTimeoutMs: opts.opTimeoutMs})
  // Fresh keys: every register starts absent, as the checker assumes.
  const prefix = `check-${Date.now().toString(36)}-`
  const history = new History<KvEvent>(opts.observer)
  const t0 = performance.now()
  const now = () => Math.round((performance.now() - t0) * 1000) / 1000
  const deadline = t0 + opts.durationMs

  const runClient = async (process: number): Promise<void> => {
    const rng = new SeededRng(opts.seed * 7919 + process)
    const session = client.session()
    const lastSeen = new Map<string, string | null>()
    for (let n = 0; performance.now() < deadline; n++) {
      const key = `${prefix}${rng.int(opts.keys)}`
      const roll = rng.next()
      const f: KvEvent['f'] = roll < 0.5 ? 'get' : roll < 0.8 ? 'put' : 'cas'
      const fresh = `${process}-${n}`
      const input: KvEvent['value'] = f === 'get' ? null : f === 'put' ? fresh : [lastSeen.get(key) ?? null, fresh]
      history.push({process, type: 'invoke', f, key, value: input, time: now()})
      const outcome = await invoke(session, f, key, input)
      history.push({process, f, key, time: now(), ...outcome})
      if (outcome.type === 'ok') lastSeen.set(key, f === 'get' ? (outcome.value as string | null) : fresh)
    }
  }

  let faults: FaultEvent[]
  try {
    const nemesis: NemesisOptions = {dataDir: opts.dataDir, faults: opts.faults, intervalMs: opts.faultIntervalMs, deadline, startedAt: t0, seed: opts.seed, victim: (_fault, rng) => pickVictim(opts.nodes, opts.victim ?? 'mixed', rng), observer: opts.observer}
    faults = await runUnderFaults(nemesis, opts.clients, runClient)
  } finally {
    await client.close()
  }
  const durationS = (performance.now() - t0) / 1000

  writeHistory(opts.historyPath, history.events)
  return {workload: 'check-kv', clients: opts.clients, keys: opts.keys, durationS, seed: opts.seed, faults, history: opts.historyPath, ...judgeKvHistory(history.events, () => performance.now())}
}

/** `check kv --recheck`: the report of a live check from its history alone; what only the run knew (seed, faults) is left out. */
export function recheckKvHistory(history: readonly KvEvent[], path: string): KvCheckReport {
  return {workload: 'check-kv', ...recheckedRun(history, path), keys: new Set(history.map((e) => e.key)).size, ...judgeKvHistory(history, () => performance.now())}
}

/** Runs one operation; `fail` only when it certainly did not take effect, `info` when that is unknown. */
async function invoke(session: KvSession, f: KvEvent['f'], key: string, input: KvEvent['value']): Promise<Pick<KvEvent, 'type' | 'value' | 'error'>> {
  try {
    if (f === 'get') return {type: 'ok', value: await session.get(key)}
    if (f === 'put') {
      await session.put(key, input as string)
      return {type: 'ok', value: input}
    }
    const [expected, value] = input as [string | null, string]
    return {type: (await session.cas(key, expected, value)).ok ? 'ok' : 'fail', value: input}
  } catch (err) {
    // A 4xx is a refusal before anything was applied; anything else (timeouts, 503s, resets) leaves the outcome open.
    const definite = err instanceof KvRequestError && err.status >= 400 && err.status < 500
    return {type: definite ? 'fail' : 'info', value: input, error: (err as Error).message}
  }
}
