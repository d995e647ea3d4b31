import {performance} from 'node:perf_hooks'
import {setTimeout as sleep} from 'node:timers/promises'

import {DsysLockBackend} from '../bench/lock/dsys-lock-backend.js'
import {requireClusterState} from '../runtime/cluster/cluster-state.js'
import {SeededRng} from '../core/common/rng.js'
import {Anomaly} from '../core/check/anomaly.js'
import {OutcomeCounts, outcomeCounts} from '../core/check/history-operations.js'
import {History, recheckedRun, writeHistory} from './histories.js'
import {checkLockHistory, lockAnomaly, LockCheckResult, LockEvent} from '../core/check/mutual-exclusion.js'
import {CheckObserver, Fault, FaultEvent, NemesisOptions, runUnderFaults} from './nemesis.js'
import {CheckTimelinePoint, historyTimeline} from '../core/check/timeline.js'

export interface LockCheckOptions {
  dataDir: string
  clients: number
  locks: number
  ttlMs: number
  /** Longest hold; each hold is uniform in [0, holdMs]. */
  holdMs: number
  durationMs: number
  faults: Fault[]
  faultIntervalMs: number
  seed: number
  historyPath: string
  observer?: CheckObserver
}

/** What a lock history says, the same for a live check and a re-check of its file. */
export interface LockVerdict {
  operations: OutcomeCounts
  result: LockCheckResult
  /** The first violation, its grants marked among the operations around them. */
  anomaly?: Anomaly
  timeline: CheckTimelinePoint[]
}

export interface LockCheckReport extends LockVerdict {
  workload: 'check-lock'
  clients: number
  locks: number
  durationS: number
  /** Absent on a re-check: the history file does not record it. */
  seed?: number
  /** True when only the checker ran, on a history written earlier (`--recheck`). */
  rechecked?: true
  faults: FaultEvent[]
  history: string
}

/** Checks a lock history for overlapping holders and token order. */
export function judgeLockHistory(history: readonly LockEvent[]): LockVerdict {
  const result = checkLockHistory(history)
  const anomaly = lockAnomaly(history, result)
  return {operations: outcomeCounts(history), result, ...(anomaly ? {anomaly} : {}), timeline: historyTimeline(history)}
}

/** `check lock --recheck`: the report of a live check from its history alone; what only the run knew (seed, faults) is left out. */
export function recheckLockHistory(history: readonly LockEvent[], path: string): LockCheckReport {
  return {workload: 'check-lock', ...recheckedRun(history, path), locks: new Set(history.map((e) => e.lock)).size, ...judgeLockHistory(history)}
}

/** The faults a single lock server can suffer: it has no peers to be cut off from. */
export const LOCK_FAULTS: readonly Fault[] = ['kill', 'pause']

/**
 * Clients acquire one of a few locks, hold it briefly and release it, and
 * record every step with its fencing token, while the nemesis kills (kill
 * -9, restart) or pauses the lock server. The history (JSON Lines) is then
 * checked: no two holders at once, tokens in real-time order, no token
 * granted twice.
 */
export async function runLockCheck(opts: LockCheckOptions): Promise<LockCheckReport> {
  const server = requireClusterState(opts.dataDir).nodes.find((n) => n.subsystem === 'lock')
  if (!server) throw new Error('this cluster has no lock server; start it with: dsys cluster up --lock')
  const backend = new DsysLockBackend(server.url, opts.clients)
  const history = new History<LockEvent>(opts.observer)
  const t0 = performance.now()
  const deadline = t0 + opts.durationMs
  const runId = Date.now().toString(36)

  const runClient = async (process: number): Promise<void> => {
    const rng = new SeededRng(opts.seed * 7919 + process)
    const owner = `check-${runId}-${process}`
    while (performance.now() < deadline) {
      const lock = `check-${runId}-${rng.int(opts.locks)}`
      history.push({process, type: 'invoke', f: 'acquire', lock, token: null, time: Date.now()})
      let grant
      try {
        grant = await backend.acquire(process, lock, owner, opts.ttlMs, opts.ttlMs)
      } catch (err) {
        history.push({process, type: 'info', f: 'acquire', lock, token: null, time: Date.now(), error: (err as Error).message})
        continue
      }
      if (!grant) {
        history.push({process, type: 'fail', f: 'acquire', lock, token: null, time: Date.now()})
        continue
      }
      history.push({process, type: 'ok', f: 'acquire', lock, token: grant.token!, expiresAt: grant.expiresAt, time: Date.now()})
      await sleep(rng.int(opts.holdMs + 1))
      history.push({process, type: 'invoke', f: 'release', lock, token: grant.token!, time: Date.now()})
      try {
        const released = await backend.release(process, lock, owner, grant)
        history.push({process, type: released ? 'ok' : 'fail', f: 'release', lock, token: grant.token!, time: Date.now()})
      } catch (err) {
        history.push({process, type: 'info', f: 'release', lock, token: grant.token!, time: Date.now(), error: (err as Error).message})
      }
    }
  }

  let faults: FaultEvent[]
  try {
    const nemesis: NemesisOptions = {dataDir: opts.dataDir, faults: opts.faults, intervalMs: opts.faultIntervalMs, deadline, startedAt: t0, seed: opts.seed, victim: () => server.name, observer: opts.observer}
    faults = await runUnderFaults(nemesis, opts.clients, runClient)
  } finally {
    await backend.close()
  }

  writeHistory(opts.historyPath, history.events)
  return {
    workload: 'check-lock',
    clients: opts.clients,
    locks: opts.locks,
    durationS: (performance.now() - t0) / 1000,
    seed: opts.seed,
    faults,
    history: opts.historyPath,
    ...judgeLockHistory(history.events),
  }
}
