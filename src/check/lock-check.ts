import {performance} from 'node:perf_hooks'
import {setTimeout as sleep} from 'node:timers/promises'

import {DsysLockBackend} from '../bench/lock/dsys-lock-backend.js'
import type {LockBackend} from '../bench/lock/lock-backend.js'
import {ProtectedResource} from '../bench/lock/protected-resource.js'
import {findNode, NodeRecord, requireClusterState} from '../runtime/cluster/cluster-state.js'
import {PARTITIONABLE} from '../runtime/cluster/partition.js'
import {realEnv} from '../runtime/env/real-env.js'
import {SeededRng} from '../core/common/rng.js'
import {Anomaly} from '../core/check/anomaly.js'
import {OutcomeCounts, outcomeCounts} from '../core/check/history-operations.js'
import {History, recheckedRun, writeHistory} from './histories.js'
import {checkLockHistory, lockAnomaly, LockCheckResult, LockEvent, resourceWrites, ResourceWrites} from '../core/check/mutual-exclusion.js'
import {CheckObserver, Fault, FaultEvent, NemesisOptions, pickVictim, runUnderFaults, Victim} from './nemesis.js'
import {CheckTimelinePoint, historyTimeline} from '../core/check/timeline.js'

/** What `check lock` runs against: a lock service and the cluster nodes behind it, which the server faults hit. */
export interface LockCheckTarget {
  backend: LockBackend
  /** Empty when the target is not run by the local cluster: then only client-pauses apply. */
  nodes: NodeRecord[]
}

/** The real Env's wall clock, the one the nodes read (lease ends are compared with it). */
const clock = realEnv()
/** The history's times: that clock to the microsecond. */
const wallNow = () => Math.round(clock.wallNow() * 1000) / 1000

/** How long a client waits after an acquire met no server before its next. */
const UNAVAILABLE_BACKOFF_MS = 20

/** Subsystems whose nodes elect a leader and name their role in their health (probeHealth): `victim` can aim at it. */
const ELECTED = ['lock-replica', 'etcd', 'zookeeper']

export interface LockCheckOptions {
  dataDir: string
  /** By default the local cluster's lock server. */
  target?: LockCheckTarget
  clients: number
  locks: number
  ttlMs: number
  /** Longest hold; each hold is uniform in [0, holdMs]. */
  holdMs: number
  durationMs: number
  faults: Fault[]
  faultIntervalMs: number
  /** Which node a server fault hits when the target elects a leader; `mixed` by default. */
  victim?: Victim
  seed: number
  historyPath: string
  observer?: CheckObserver
}

/** What a lock history says, the same for a live check and a re-check of its file. */
export interface LockVerdict {
  operations: OutcomeCounts
  result: LockCheckResult
  /** The protected resource: whether grants carried fencing tokens, and the writes it accepted and fenced off. */
  resource: ResourceWrites
  /** The first violation, its operations marked among the operations around them. */
  anomaly?: Anomaly
  timeline: CheckTimelinePoint[]
}

export interface LockCheckReport extends LockVerdict {
  workload: 'check-lock'
  /** Absent on a re-check: the history file does not record it. */
  target?: string
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

/** Checks a lock history for overlapping holders, token order and stale writes the resource accepted. */
export function judgeLockHistory(history: readonly LockEvent[]): LockVerdict {
  const result = checkLockHistory(history)
  const anomaly = lockAnomaly(history, result)
  return {operations: outcomeCounts(history), result, resource: resourceWrites(history), ...(anomaly ? {anomaly} : {}), timeline: historyTimeline(history)}
}

/** `check lock --recheck`: the report of a live check from its history alone; what only the run knew (seed, faults) is left out. */
export function recheckLockHistory(history: readonly LockEvent[], path: string): LockCheckReport {
  return {workload: 'check-lock', ...recheckedRun(history, path), locks: new Set(history.map((e) => e.lock)).size, ...judgeLockHistory(history)}
}

/** Every fault check lock knows; a partition needs a target whose nodes talk to each other. */
export const LOCK_FAULTS: readonly Fault[] = ['kill', 'pause', 'partition', 'client-pause']
/** The faults check lock injects unless told otherwise: those every local target can suffer. */
export const DEFAULT_LOCK_FAULTS: readonly Fault[] = ['kill', 'pause', 'client-pause']

/** The local cluster's lock server as a check target. */
export function localLockServer(dataDir: string, clients: number): LockCheckTarget {
  const server = requireClusterState(dataDir).nodes.find((n) => n.subsystem === 'lock')
  if (!server) throw new Error('this cluster has no lock server; start it with: dsys cluster up --lock')
  return {backend: new DsysLockBackend(server.url, clients), nodes: [server]}
}

/**
 * The check target of `backend` served by the cluster nodes `names` (the
 * lock-target resolver's): where the nodes elect a leader, any of them may
 * lead the one the target names, so the whole group is the victims.
 */
export function lockCheckTarget(backend: LockBackend, names: readonly string[], dataDir: string): LockCheckTarget {
  if (names.length === 0) return {backend, nodes: []}
  const state = requireClusterState(dataDir)
  const named = names.map((name) => findNode(state, name))
  const groups = new Set(named.filter((n) => ELECTED.includes(n.subsystem)).map((n) => n.subsystem))
  return {backend, nodes: state.nodes.filter((n) => named.includes(n) || groups.has(n.subsystem))}
}

/** Why `faults` cannot be injected on `target`, in one line; undefined when they can. */
export function faultsProblem(target: LockCheckTarget, faults: readonly Fault[]): string | undefined {
  const server = faults.filter((f) => f !== 'client-pause')
  if (server.length > 0 && target.nodes.length === 0) {
    return `--faults ${server.join(',')} needs a target the local cluster runs (its nodes are the victims); ${target.backend.target} is not one: use --faults client-pause or none`
  }
  const cut = target.nodes.find((n) => !PARTITIONABLE.includes(n.subsystem))
  if (faults.includes('partition') && cut) return `--faults partition: the ${cut.subsystem} nodes cannot be partitioned by dsys; partitions apply to: ${PARTITIONABLE.join(', ')}`
  return undefined
}

/** One client's pending pause: armed by the nemesis, taken at the client's next grant. */
interface ArmedPause {
  stopped: (paused: {resumed: Promise<void>} | undefined) => void
}

/**
 * Clients acquire one of a few locks, write once to a protected resource
 * with their token, and release, recording every step with its fencing token,
 * while the nemesis kills (kill -9, restart) or pauses the target's nodes, or
 * stops a client that holds a lock for longer than its lease (a GC pause: no
 * renew, no release, nothing sent) before it writes with its old token. The
 * resource rejects a write whose token is below the highest it has seen on
 * that lock (fencing), where the target gives tokens. The history (JSON
 * Lines) is then checked: no two holders at once, tokens in real-time order,
 * no token granted twice, no write accepted after the lock had passed to
 * another holder.
 */
export async function runLockCheck(opts: LockCheckOptions): Promise<LockCheckReport> {
  const target = opts.target ?? localLockServer(opts.dataDir, opts.clients)
  const problem = faultsProblem(target, opts.faults)
  if (problem) throw new Error(problem)
  const {backend} = target
  const resource = new ProtectedResource(backend.fencing, opts.locks)
  const history = new History<LockEvent>(opts.observer)
  const pauses = new Map<string, ArmedPause>()
  const clientName = (process: number) => `client-${process}`
  const t0 = performance.now()
  const deadline = t0 + opts.durationMs
  const runId = Date.now().toString(36)

  const runClient = async (process: number): Promise<void> => {
    const rng = new SeededRng(opts.seed * 7919 + process)
    const owner = `check-${runId}-${process}`
    while (performance.now() < deadline) {
      const i = rng.int(opts.locks)
      const lock = `check-${runId}-${i}`
      history.push({process, type: 'invoke', f: 'acquire', lock, token: null, time: wallNow()})
      let grant
      try {
        grant = await backend.acquire(process, lock, owner, opts.ttlMs, opts.ttlMs)
      } catch (err) {
        history.push({process, type: 'info', f: 'acquire', lock, token: null, time: wallNow(), error: (err as Error).message})
        // A client of a dead server (Redis fails at once) would otherwise spin and starve the nemesis' timers.
        await sleep(UNAVAILABLE_BACKOFF_MS)
        continue
      }
      if (!grant) {
        history.push({process, type: 'fail', f: 'acquire', lock, token: null, time: wallNow()})
        continue
      }
      const token = grant.token ?? null
      history.push({process, type: 'ok', f: 'acquire', lock, token, expiresAt: grant.expiresAt, time: wallNow()})
      resource.enter(i, process, grant.token, grant.expiresAt, wallNow(), clock.wallNow())
      const pause = pauses.get(clientName(process))
      if (pause) {
        pauses.delete(clientName(process))
        // Until a TTL past the end of the lease the target gave: it surely ended while the client stood still.
        const pauseMs = Math.max(0, grant.expiresAt - wallNow()) + opts.ttlMs
        // What the backend keeps up in the background (ZooKeeper's session pings) stops too, as in a process pause.
        backend.stall?.(process, pauseMs)
        const resumed = sleep(pauseMs)
        pause.stopped({resumed})
        await resumed
      } else {
        await sleep(rng.int(opts.holdMs + 1))
      }
      history.push({process, type: 'invoke', f: 'write', lock, token, time: wallNow()})
      history.push({process, type: resource.write(i, grant.token) ? 'ok' : 'fail', f: 'write', lock, token, time: wallNow()})
      resource.exit(i, process, clock.wallNow())
      history.push({process, type: 'invoke', f: 'release', lock, token, time: wallNow()})
      try {
        const released = await backend.release(process, lock, owner, grant)
        history.push({process, type: released ? 'ok' : 'fail', f: 'release', lock, token, time: wallNow()})
      } catch (err) {
        history.push({process, type: 'info', f: 'release', lock, token, time: wallNow(), error: (err as Error).message})
      }
    }
    // A pause armed too late to be taken: the nemesis is told so and stops.
    pauses.get(clientName(process))?.stopped(undefined)
  }

  const elected = target.nodes.some((n) => ELECTED.includes(n.subsystem))
  const nemesis: NemesisOptions = {
    dataDir: opts.dataDir,
    faults: opts.faults,
    intervalMs: opts.faultIntervalMs,
    deadline,
    startedAt: t0,
    seed: opts.seed,
    victim: (fault, rng) => (fault === 'client-pause' ? clientName(rng.int(opts.clients)) : pickVictim(target.nodes, elected ? (opts.victim ?? 'mixed') : 'any', rng)),
    pauseClient: (client) => new Promise((stopped) => pauses.set(client, {stopped})),
    observer: opts.observer,
  }
  let faults: FaultEvent[]
  try {
    faults = await runUnderFaults(nemesis, opts.clients, runClient)
  } finally {
    await backend.close()
  }

  writeHistory(opts.historyPath, history.events)
  return {
    workload: 'check-lock',
    target: backend.target,
    clients: opts.clients,
    locks: opts.locks,
    durationS: (performance.now() - t0) / 1000,
    seed: opts.seed,
    faults,
    history: opts.historyPath,
    ...judgeLockHistory(history.events),
  }
}
