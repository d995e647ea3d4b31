import {performance} from 'node:perf_hooks'
import {setTimeout as sleep} from 'node:timers/promises'

import type {NodeRecord} from '../runtime/cluster/cluster-state.js'
import {probeHealth} from '../runtime/cluster/health.js'
import {healCluster, partitionCluster} from '../runtime/cluster/partition.js'
import {killNode, restartNode} from '../runtime/cluster/supervisor.js'
import {SeededRng} from '../core/common/rng.js'

/** The faults of a server node. */
export const FAULTS = ['partition', 'kill', 'pause'] as const
/** A server fault, or a client's: `client-pause` stops a client that holds a lock for longer than its lease (check lock). */
export type Fault = (typeof FAULTS)[number] | 'client-pause'

export interface FaultEvent {
  atS: number
  action: string
  node: string
}

/**
 * Told of a check's progress as it runs, for a display: each operation that
 * ended (any outcome) and each fault as it starts or ends. Never part of the verdict.
 */
export interface CheckObserver {
  operation?(): void
  fault?(event: FaultEvent, phase: 'start' | 'end'): void
}

export interface NemesisOptions {
  dataDir: string
  faults: readonly Fault[]
  /** A fault starts, lasts this long, ends, and the next starts as long after. */
  intervalMs: number
  /** performance.now() at which the run ends: no fault starts after it, and the last one is ended. */
  deadline: number
  /** performance.now() at the run's start, for the events' times. */
  startedAt: number
  seed: number
  /** The node a fault hits; for a client-pause, the client. */
  victim: (fault: Fault, rng: SeededRng) => Promise<string> | string
  /**
   * Stops `client` at its next grant, for longer than the lease: resolves once
   * it stopped, with a promise of its resumption; undefined when its run ended
   * first. Needed for the `client-pause` fault.
   */
  pauseClient?: (client: string) => Promise<{resumed: Promise<void>} | undefined>
  observer?: CheckObserver
}

const RESTART_TIMEOUT_MS = 15_000

/**
 * Jepsen's nemesis, one fault at a time: a partition (the victim cut off from
 * its subsystem's other nodes), a kill -9 or a pause (SIGSTOP), then the
 * heal, the restart or SIGCONT; or a client-pause, which ends when the client resumes.
 * Every fault it starts is ended before it returns.
 */
export async function runNemesis(opts: NemesisOptions): Promise<FaultEvent[]> {
  const events: FaultEvent[] = []
  if (opts.faults.length === 0) return events
  const rng = new SeededRng(opts.seed)
  const note = (action: string, node: string, phase: 'start' | 'end' = 'start') => {
    const event = {atS: (performance.now() - opts.startedAt) / 1000, action, node}
    events.push(event)
    opts.observer?.fault?.(event, phase)
  }
  const pause = () => sleep(Math.max(0, Math.min(opts.intervalMs, opts.deadline - performance.now())))
  for (;;) {
    await pause()
    // Timers may fire a little early: a fault that could not last half its interval is not started.
    if (opts.deadline - performance.now() < opts.intervalMs / 2) return events
    const fault = opts.faults[rng.int(opts.faults.length)]
    const node = await opts.victim(fault, rng)
    if (fault === 'kill') {
      note('kill -9', node)
      killNode(opts.dataDir, node, 'KILL')
      await pause()
      note('restart', node, 'end')
      await restartNode(opts.dataDir, node, 1_000, RESTART_TIMEOUT_MS)
    } else if (fault === 'pause') {
      // SIGSTOP: the process stops mid-step and resumes believing no time passed (a GC pause, a stalled VM).
      note('pause', node)
      killNode(opts.dataDir, node, 'STOP')
      await pause()
      note('resume', node, 'end')
      killNode(opts.dataDir, node, 'CONT')
    } else if (fault === 'client-pause') {
      if (!opts.pauseClient) throw new Error('the client-pause fault needs a check whose clients can pause')
      const paused = await opts.pauseClient(node)
      if (!paused) return events
      note('client-pause', node)
      await paused.resumed
      note('client-resume', node, 'end')
    } else {
      note('partition', node)
      await partitionCluster(opts.dataDir, [node])
      await pause()
      note('heal', node, 'end')
      await healCluster(opts.dataDir)
    }
  }
}

/** Runs `clients` client loops beside the nemesis until all are done; returns the faults it applied. */
export async function runUnderFaults(nemesis: NemesisOptions, clients: number, client: (index: number) => Promise<void>): Promise<FaultEvent[]> {
  const [faults] = await Promise.all([runNemesis(nemesis), ...Array.from({length: clients}, (_, i) => client(i))])
  return faults
}

/** `leader`: always the current leader; `any`: any node; `mixed`: the leader half the time, else any node. */
export const VICTIMS = ['mixed', 'leader', 'any'] as const
export type Victim = (typeof VICTIMS)[number]

/** The current leader by its health's role (dsys's /health, or a peer's own probe: the interesting victim) when `victim` asks for it, or half the time for `mixed`; otherwise, or with no leader, any node. */
export async function pickVictim(nodes: readonly NodeRecord[], victim: Victim, rng: SeededRng): Promise<string> {
  if (victim === 'leader' || (victim === 'mixed' && rng.next() < 0.5)) {
    for (const n of nodes) {
      const health = await probeHealth(n, 500)
      if (health?.role === 'leader') return n.name
    }
  }
  return nodes[rng.int(nodes.length)].name
}
