import {setTimeout as sleep} from 'node:timers/promises'

import {fetchHealth} from '../../runtime/cluster/health.js'
import {histogramSince, summarizeHistogram, type HistogramSnapshot, type HistogramSummary} from '../../core/stats/bucket-histogram.js'

/** The parts of the nodes' GET /health the benchmark reads (src/nodes/txn-coordinator, src/nodes/txn-participant). */
interface NodeCounters {
  pid: number
  stats: {messagesSent: Record<string, number>; forcedRecords: number}
  log: {fsyncs: number}
}

interface CoordinatorHealth extends NodeCounters {
  activeTxns: number
  stats: NodeCounters['stats'] & {begun: number; committed: number}
  phasesMs: {commit: HistogramSnapshot}
  recovery: {replayMs: number; redriven: number; redrivePending: number; recoveryMs: number | null}
}

interface Orphan {
  txn: string
  outcome: string
  via: string
  inDoubtMs: number
  keyCount: number
}

interface ParticipantHealth extends NodeCounters {
  id: string
  inDoubtCount: number
  lockedKeys: number
  inDoubtMs: HistogramSnapshot
  orphans: {count: number; committed: number; aborted: number; keyBlockedMs: number; maxInDoubtMs: number; recent: Orphan[]}
  recovery: {replayMs: number; inDoubtAtStart: number}
}

export interface TxnClusterSnapshot {
  coordinator: CoordinatorHealth
  participants: ParticipantHealth[]
}

/** The nodes' /health; `coordinator`: the coordinator's, when the caller has it already. */
export async function snapshotTxnCluster(coordinatorUrl: string, participantUrls: readonly string[], coordinator?: Record<string, unknown>): Promise<TxnClusterSnapshot> {
  const fetch = async <T>(url: string): Promise<T> => {
    const h = await fetchHealth(url, 5_000)
    if (!h) throw new Error(`${url} does not answer GET /health`)
    return h as unknown as T
  }
  return {coordinator: coordinator ? (coordinator as unknown as CoordinatorHealth) : await fetch(coordinatorUrl), participants: await Promise.all(participantUrls.map((u) => fetch<ParticipantHealth>(u)))}
}

/** Nothing active at the coordinator, nothing in doubt or locked at any participant: every transaction has ended everywhere. */
export function isSettled(s: TxnClusterSnapshot): boolean {
  return s.coordinator.activeTxns === 0 && s.participants.every((p) => p.inDoubtCount === 0 && p.lockedKeys === 0)
}

/**
 * Polls the nodes until the cluster is settled or `timeoutMs` has passed, and
 * gives the last snapshot, or the error of the last poll (a node restarting).
 */
export async function waitSettled(coordinatorUrl: string, participantUrls: readonly string[], timeoutMs: number): Promise<TxnClusterSnapshot | Error> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    let last: TxnClusterSnapshot | Error
    try {
      last = await snapshotTxnCluster(coordinatorUrl, participantUrls)
      if (isSettled(last)) return last
    } catch (err) {
      last = err as Error
    }
    if (Date.now() >= deadline) return last
    await sleep(50)
  }
}

/** What the nodes did between two snapshots: cost per transaction and, after a crash, how recovery went. */
export interface TxnClusterReport {
  /** Nodes that restarted during the run: their counters start again at 0, so their share is undercounted. */
  restarted: string[]
  txnsBegun: number
  messagesPerTxn: number
  /** Every fsync of every node's log, per committed transaction. */
  fsyncsPerCommittedTxn: number
  /** The decision log's fsyncs per committed transaction: below 1 thanks to group commit. */
  coordinatorFsyncsPerCommittedTxn: number
  /** Forced records (each would be an fsync without group commit) per committed transaction. */
  forcedRecordsPerCommittedTxn: number
  /** Phase 2: decision released → every participant acknowledged (the coordinator's histogram). */
  commitPhaseMs: HistogramSummary
  /** Every prepared transaction at the participants: PREPARED → decision known. */
  inDoubtMs: HistogramSummary
  orphans: {count: number; committed: number; aborted: number; maxInDoubtMs: number; keyBlockedMs: number; resolutions: Record<string, number>}
  coordinatorRecovery: {replayMs: number; redrivenCommits: number; redrivePending: number; recoveryMs: number | null} | null
  stillInDoubt: number
  lockedKeys: number
}

export function compareSnapshots(before: TxnClusterSnapshot, after: TxnClusterSnapshot): TxnClusterReport {
  const restarted: string[] = []
  // A node whose pid changed restarted: count from its restart (its earlier counters died with it).
  const base = <T extends NodeCounters>(name: string, b: T, a: T): T | undefined => {
    if (b.pid === a.pid) return b
    restarted.push(name)
    return undefined
  }
  const coordinatorBase = base('txn-coordinator', before.coordinator, after.coordinator)
  const c = after.coordinator
  const delta = (a: number, b: number | undefined): number => a - (b ?? 0)
  const committed = delta(c.stats.committed, coordinatorBase?.stats.committed)
  const txnsBegun = delta(c.stats.begun, coordinatorBase?.stats.begun)

  let messages = sumValues(c.stats.messagesSent) - (coordinatorBase ? sumValues(coordinatorBase.stats.messagesSent) : 0)
  const coordinatorFsyncs = delta(c.log.fsyncs, coordinatorBase?.log.fsyncs)
  let fsyncs = coordinatorFsyncs
  let forced = delta(c.stats.forcedRecords, coordinatorBase?.stats.forcedRecords)
  let inDoubt: HistogramSnapshot | undefined
  const orphans = {count: 0, committed: 0, aborted: 0, maxInDoubtMs: 0, keyBlockedMs: 0, resolutions: {} as Record<string, number>}
  after.participants.forEach((a, i) => {
    const b = base(a.id, before.participants[i], a)
    messages += sumValues(a.stats.messagesSent) - (b ? sumValues(b.stats.messagesSent) : 0)
    fsyncs += delta(a.log.fsyncs, b?.log.fsyncs)
    forced += delta(a.stats.forcedRecords, b?.stats.forcedRecords)
    inDoubt = addHistograms(inDoubt, histogramSince(a.inDoubtMs, b?.inDoubtMs))
    const newOrphans = delta(a.orphans.count, b?.orphans.count)
    orphans.count += newOrphans
    orphans.committed += delta(a.orphans.committed, b?.orphans.committed)
    orphans.aborted += delta(a.orphans.aborted, b?.orphans.aborted)
    orphans.keyBlockedMs += delta(a.orphans.keyBlockedMs, b?.orphans.keyBlockedMs)
    for (const o of newOrphans > 0 ? a.orphans.recent.slice(-newOrphans) : []) {
      orphans.maxInDoubtMs = Math.max(orphans.maxInDoubtMs, o.inDoubtMs)
      const resolution = `${o.outcome} via ${o.via}`
      orphans.resolutions[resolution] = (orphans.resolutions[resolution] ?? 0) + 1
    }
  })
  const per = (n: number, d: number): number => (d > 0 ? n / d : 0)
  return {
    restarted,
    txnsBegun,
    messagesPerTxn: per(messages, txnsBegun),
    fsyncsPerCommittedTxn: per(fsyncs, committed),
    coordinatorFsyncsPerCommittedTxn: per(coordinatorFsyncs, committed),
    forcedRecordsPerCommittedTxn: per(forced, committed),
    commitPhaseMs: summarizeHistogram(histogramSince(c.phasesMs.commit, coordinatorBase?.phasesMs.commit)),
    inDoubtMs: summarizeHistogram(inDoubt!),
    orphans: {...orphans, keyBlockedMs: Math.round(orphans.keyBlockedMs)},
    coordinatorRecovery: coordinatorBase
      ? null
      : {replayMs: c.recovery.replayMs, redrivenCommits: c.recovery.redriven, redrivePending: c.recovery.redrivePending, recoveryMs: c.recovery.recoveryMs},
    stillInDoubt: after.participants.reduce((n, p) => n + p.inDoubtCount, 0),
    lockedKeys: after.participants.reduce((n, p) => n + p.lockedKeys, 0),
  }
}

function sumValues(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0)
}

function addHistograms(a: HistogramSnapshot | undefined, b: HistogramSnapshot): HistogramSnapshot {
  if (!a) return b
  return {counts: a.counts.map((n, i) => n + b.counts[i]), count: a.count + b.count, sumMs: a.sumMs + b.sumMs, maxMs: Math.max(a.maxMs, b.maxMs)}
}
