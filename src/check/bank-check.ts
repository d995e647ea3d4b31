import {performance} from 'node:perf_hooks'
import {setTimeout as sleep} from 'node:timers/promises'

import type {TxnAnswer} from '../core/txn/types.js'
import {requireClusterState} from '../runtime/cluster/cluster-state.js'
import {SeededRng} from '../core/common/rng.js'
import {Anomaly} from '../core/check/anomaly.js'
import {bankAnomaly, BankEvent, BankRun, bankRunFromHistory, INITIAL_BALANCE} from '../core/check/bank-history.js'
import {History, recheckedRun, writeHistory} from './histories.js'
import {CheckObserver, Fault, FaultEvent, runNemesis} from './nemesis.js'
import {CheckTimelinePoint, historyTimeline} from '../core/check/timeline.js'
import {TxnClusterClient} from './txn-cluster-client.js'

export interface BankOptions {
  accounts: number
  /** Account keys are `<prefix><n>`: a fresh prefix gives fresh accounts on a cluster that has run the bank before. */
  prefix: string
  /** Concurrent transfer loops (the auditors run beside them). */
  clients: number
  durationMs: number
  seed: number
}

/**
 * How long an audit's prepare may wait at a participant for the transfers
 * holding its accounts (PrepareMessage.lockWaitMs): well under the
 * coordinator's phase-1 timeout (2 s by default).
 */
const AUDIT_LOCK_WAIT_MS = 1_000
/**
 * Auditors run side by side (their shared locks do not conflict), each
 * pausing between audits: audits lock every account, so transfers get the
 * time in between.
 */
const AUDITORS = 2
const AUDIT_PAUSE_MS = 10

/** The default of `--min-audits`: committed audits per second of the run. */
export const MIN_AUDITS_PER_S = 5

/** Opens every account with the initial balance; fails if any already exists (run the check on a fresh cluster). */
export async function openAccounts(client: TxnClusterClient, opts: Pick<BankOptions, 'accounts' | 'prefix'>): Promise<void> {
  for (let first = 0; first < opts.accounts; first += 25) {
    const keys = Array.from({length: Math.min(25, opts.accounts - first)}, (_, i) => `${opts.prefix}${first + i}`)
    const answer = await client.txn(
      keys.map((key) => ({key, value: String(INITIAL_BALANCE)})),
      keys.map((key) => ({key, value: null})),
    )
    if (answer?.outcome !== 'committed') {
      throw new Error(`could not open accounts ${keys[0]}…: ${answer ? `${answer.outcome} (${answer.reason ?? ''})` : 'no answer'}; a bank check needs a fresh transaction cluster`)
    }
  }
}

/**
 * The bank workload of Jepsen's transaction tests: transfers move money
 * between two accounts spread over the participants, each conditioned on
 * the balances it read, while `faults` runs; audits read every balance and
 * commit only if none changed. After the run the cluster must settle (no
 * participant in doubt) before the final reads.
 */
export async function runBank(client: TxnClusterClient, opts: BankOptions, faults: () => Promise<void>, history = new History<BankEvent>()): Promise<BankRun> {
  const t0 = performance.now()
  const now = () => Math.round((performance.now() - t0) * 1000) / 1000
  const accounts = Array.from({length: opts.accounts}, (_, i) => `${opts.prefix}${i}`)
  /** Audit `n` by `process`, recorded. The marker write is there because a transaction needs one. */
  const audit = async (process: number, n: number): Promise<void> => {
    history.push({process, type: 'invoke', f: 'audit', value: null, time: now()})
    let answer: TxnAnswer | undefined
    try {
      answer = await client.txn([{key: `${opts.prefix}audit-${n}`, value: 'ok'}], [], {reads: accounts, lockWaitMs: AUDIT_LOCK_WAIT_MS})
    } catch (err) {
      // Refused (not a 200): nothing was applied.
      history.push({process, type: 'fail', f: 'audit', value: null, reason: (err as Error).message, time: now()})
      return
    }
    const read = answer?.values?.map((v) => Number(v.value))
    const {type, txn, reason} = clientOutcome(answer)
    history.push({process, type, f: 'audit', value: read ? {sum: read.reduce((a, b) => a + b, 0), balances: read} : null, txn, reason, time: now()})
  }

  const rng = new SeededRng(opts.seed)
  let stopped = false

  const transfers = async (_: unknown, process: number): Promise<void> => {
    while (!stopped) {
      const a = rng.int(opts.accounts)
      const b = (a + 1 + rng.int(opts.accounts - 1)) % opts.accounts
      const pair = {from: accounts[a], to: accounts[b]}
      history.push({process, type: 'invoke', f: 'transfer', value: pair, time: now()})
      let balanceA: number
      let balanceB: number
      try {
        ;[balanceA, balanceB] = await Promise.all([client.read(accounts[a]), client.read(accounts[b])]).then((v) => v.map(Number))
      } catch (err) {
        // A participant is down: no transfer without knowing both balances.
        history.push({process, type: 'fail', f: 'transfer', value: pair, reason: `read failed: ${(err as Error).message}`, time: now()})
        await sleep(50)
        continue
      }
      const amount = Math.min(balanceA, 1 + rng.int(50))
      const answer = await client.txn(
        [
          {key: accounts[a], value: String(balanceA - amount)},
          {key: accounts[b], value: String(balanceB + amount)},
        ],
        [
          {key: accounts[a], value: String(balanceA)},
          {key: accounts[b], value: String(balanceB)},
        ],
      )
      const {type, txn, reason} = clientOutcome(answer)
      history.push({process, type, f: 'transfer', value: {...pair, read: [balanceA, balanceB], amount}, txn, reason, time: now()})
      if (!answer) await sleep(50)
    }
  }
  // Auditors are the processes after the transfer loops; their marker keys are numbered apart.
  const auditor = async (_: unknown, i: number): Promise<void> => {
    for (let n = i; !stopped; n += AUDITORS) {
      await audit(opts.clients + i, n)
      await sleep(AUDIT_PAUSE_MS)
    }
  }

  const load = Promise.all([...Array.from({length: opts.clients}, transfers), ...Array.from({length: AUDITORS}, auditor)])
  const started = performance.now()
  await faults()
  await sleep(Math.max(0, opts.durationMs - (performance.now() - started)))
  stopped = true
  await load
  await client.waitSettled()
  const final = await Promise.all(accounts.map(async (key) => Number(await client.read(key))))
  // Each participant's final state: in doubt, locked, and the balances it holds.
  for (const p of await client.participantStates()) {
    const held = final.flatMap((balance, i) => (client.ownerOf(accounts[i]) === p.id ? [[accounts[i], balance] as const] : []))
    history.push({type: 'final', participant: p.id, inDoubt: p.inDoubt, lockedKeys: p.lockedKeys, balances: Object.fromEntries(held), time: now()})
  }
  // The audit after the final states: bankRunFromHistory reads it as the final audit.
  await audit(opts.clients, -1)
  // The run as the history tells it, so a re-check of the file reaches the same verdict.
  return bankRunFromHistory(history.events)
}

/** A transaction's client outcome in history terms: committed is `ok`, aborted `fail` (with its reason), no answer `info`. */
function clientOutcome(answer: TxnAnswer | undefined): {type: 'ok' | 'fail' | 'info'; txn?: string; reason?: string} {
  if (!answer) return {type: 'info', reason: 'no answer from the coordinator'}
  return answer.outcome === 'committed' ? {type: 'ok', txn: answer.txn} : {type: 'fail', txn: answer.txn, reason: answer.reason ?? 'aborted'}
}

/**
 * What breaks the bank's invariant (money made or lost, an inconsistent
 * snapshot), or leaves it untested (fewer than `minAudits` committed
 * audits); empty when it held.
 */
export function bankProblems(run: BankRun, minAudits = 0): string[] {
  const problems: string[] = []
  if (Object.keys(run.inDoubt).length === 0) problems.push('no participant final state was recorded: the run did not finish')
  for (const [participant, n] of Object.entries(run.inDoubt)) if (n > 0) problems.push(`${participant} ended with ${n} transaction${n === 1 ? '' : 's'} in doubt`)
  if (run.finalSum !== run.total) problems.push(`the final balances sum to ${run.finalSum}, not ${run.total}`)
  if (run.badBalances > 0) problems.push(`${run.badBalances} final balances are not non-negative integers`)
  if (run.finalAudit !== run.total) problems.push(`the final audit ${run.finalAudit === undefined ? 'did not commit' : `summed to ${run.finalAudit}`}`)
  const wrong = run.auditSums.filter((s) => s !== run.total)
  if (wrong.length > 0) problems.push(`${wrong.length} committed audits saw other totals: ${[...new Set(wrong)].slice(0, 5).join(', ')}`)
  if ((run.outcomes.committed ?? 0) === 0) problems.push('no transfer committed: nothing was tested')
  if (run.auditSums.length < minAudits) problems.push(`only ${run.auditSums.length} audits committed; at least ${minAudits} must (--min-audits)`)
  return problems
}

export interface TxnCheckOptions extends BankOptions {
  /** Fewer committed audits than this (the final one not counted) fail the check. */
  minAudits: number
  dataDir: string
  faults: Fault[]
  faultIntervalMs: number
  historyPath: string
  observer?: CheckObserver
}

/** What a bank history says, the same for a live check and a re-check of its file. */
export interface BankVerdict extends BankRun {
  /** Audits that committed during the run (the final audit not counted): each one checked. */
  committedAudits: number
  minAudits: number
  problems: string[]
  /** The committed audits that saw another total and, when money was made or lost or left in doubt, the transfers of unknown outcome. */
  anomaly?: Anomaly
  timeline: CheckTimelinePoint[]
}

export interface TxnCheckReport extends BankVerdict {
  workload: 'check-txn'
  clients: number
  durationS: number
  /** Absent on a re-check: the history file does not record it. */
  seed?: number
  /** True when only the checker ran, on a history written earlier (`--recheck`). */
  rechecked?: true
  faults: FaultEvent[]
  history: string
}

/** Checks a bank history: totals kept, nothing in doubt, at least `minAudits` committed audits. */
export function judgeBankHistory(history: readonly BankEvent[], minAudits = 0): BankVerdict {
  const run = bankRunFromHistory(history)
  const problems = bankProblems(run, minAudits)
  const anomaly = bankAnomaly(history, run, problems)
  return {...run, committedAudits: run.auditSums.length, minAudits, problems, ...(anomaly ? {anomaly} : {}), timeline: historyTimeline(history)}
}

/** `check txn --recheck`: the report of a live check from its history alone; what only the run knew (seed, faults) is left out. */
export function recheckBankHistory(history: readonly BankEvent[], path: string, minAudits = 0): TxnCheckReport {
  return {workload: 'check-txn', ...recheckedRun(history, path, 'transfer'), ...judgeBankHistory(history, minAudits)}
}

/** `dsys check txn`: the bank workload on the cluster's 2PC nodes while the nemesis kills or partitions one of them at a time. */
export async function runTxnCheck(opts: TxnCheckOptions): Promise<TxnCheckReport> {
  const nodes = requireClusterState(opts.dataDir).nodes.filter((n) => n.subsystem === 'txn')
  const coordinator = nodes.find((n) => n.kind === 'txn-coordinator')
  const participants = nodes.filter((n) => n.kind === 'txn-participant')
  if (!coordinator || participants.length === 0) throw new Error('this cluster has no 2PC nodes; start them with: dsys cluster up --txn 3')
  const client = new TxnClusterClient(coordinator.url, Object.fromEntries(participants.map((p) => [p.name, p.url])))
  try {
    await openAccounts(client, opts)
    const t0 = performance.now()
    let faults: FaultEvent[] = []
    const history = new History<BankEvent>(opts.observer)
    await runBank(
      client,
      opts,
      async () => {
        faults = await runNemesis({
          dataDir: opts.dataDir,
          faults: opts.faults,
          intervalMs: opts.faultIntervalMs,
          deadline: t0 + opts.durationMs,
          startedAt: t0,
          seed: opts.seed,
          // A partition cuts a participant off from the coordinator; a kill may hit either.
          victim: (fault, rng) => (fault === 'partition' || rng.next() < 0.5 ? participants[rng.int(participants.length)].name : coordinator.name),
          observer: opts.observer,
        })
      },
      history,
    )
    writeHistory(opts.historyPath, history.events)
    return {
      workload: 'check-txn',
      clients: opts.clients,
      durationS: (performance.now() - t0) / 1000,
      seed: opts.seed,
      faults,
      history: opts.historyPath,
      ...judgeBankHistory(history.events, opts.minAudits),
    }
  } finally {
    await client.close()
  }
}
