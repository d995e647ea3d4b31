import {performance} from 'node:perf_hooks'
import {setTimeout as sleep} from 'node:timers/promises'

import {DsysLockBackend} from '../../bench/lock/dsys-lock-backend.js'
import {requireClusterState} from '../cluster/cluster-state.js'
import {SeededRng} from '../common/rng.js'
import {checkLockHistory, LockCheckResult, LockEvent} from './mutual-exclusion.js'
import {History, OutcomeCounts, outcomeCounts, writeHistory} from './histories.js'
import {CheckObserver, Fault, FaultEvent, NemesisOptions, runUnderFaults} from './nemesis.js'

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

export interface LockCheckReport {
  workload: 'check-lock'
  clients: number
  locks: number
  durationS: number
  seed: number
  operations: OutcomeCounts
  faults: FaultEvent[]
  history: string
  result: LockCheckResult
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
    operations: outcomeCounts(history.events),
    faults,
    history: opts.historyPath,
    result: checkLockHistory(history.events),
  }
}
