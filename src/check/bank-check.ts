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
  /** Concurrent transfer loops (one more runs the audits). */
  clients: number
  durationMs: number
  seed: number
}

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
  const account = (i: number): string => `${opts.prefix}${i}`
  const balances = () => Promise.all(Array.from({length: opts.accounts}, async (_, i) => Number(await client.read(account(i)))))
  /** Audit `n` by `process`, recorded; the sum when it committed. */
  const audit = async (process: number, n: number): Promise<number | undefined> => {
    history.push({process, type: 'invoke', f: 'audit', value: null, time: now()})
    let read: number[]
    try {
      read = await balances()
    } catch (err) {
      history.push({process, type: 'fail', f: 'audit', value: null, reason: `read failed: ${(err as Error).message}`, time: now()})
      return undefined
    }
    const sum = read.reduce((a, b) => a + b, 0)
    let answer: TxnAnswer | undefined
    try {
      answer = await client.txn(
        [{key: `${opts.prefix}audit-${n}`, value: 'ok'}],
        read.map((b, i) => ({key: account(i), value: String(b)})),
      )
    } catch (err) {
      // Refused (not a 200): nothing was applied.
      history.push({process, type: 'fail', f: 'audit', value: {sum, balances: read}, reason: (err as Error).message, time: now()})
      return undefined
    }
    const {type, txn, reason} = clientOutcome(answer)
    history.push({process, type, f: 'audit', value: {sum, balances: read}, txn, reason, time: now()})
    return answer?.outcome === 'committed' ? sum : undefined
  }

  const rng = new SeededRng(opts.seed)
  let stopped = false

  const transfers = async (_: unknown, process: number): Promise<void> => {
    while (!stopped) {
      const a = rng.int(opts.accounts)
      const b = (a + 1 + rng.int(opts.accounts - 1)) % opts.accounts
      const accounts = {from: account(a), to: account(b)}
      history.push({process, type: 'invoke', f: 'transfer', value: accounts, time: now()})
      let balanceA: number
      let balanceB: number
      try {
        ;[balanceA, balanceB] = await Promise.all([client.read(account(a)), client.read(account(b))]).then((v) => v.map(Number))
      } catch (err) {
        // A participant is down: no transfer without knowing both balances.
        history.push({process, type: 'fail', f: 'transfer', value: accounts, reason: `read failed: ${(err as Error).message}`, time: now()})
        await sleep(50)
        continue
      }
      const amount = Math.min(balanceA, 1 + rng.int(50))
      const answer = await client.txn(
        [
          {key: account(a), value: String(balanceA - amount)},
          {key: account(b), value: String(balanceB + amount)},
        ],
        [
          {key: account(a), value: String(balanceA)},
          {key: account(b), value: String(balanceB)},
        ],
      )
      const {type, txn, reason} = clientOutcome(answer)
      history.push({process, type, f: 'transfer', value: {...accounts, read: [balanceA, balanceB], amount}, txn, reason, time: now()})
      if (!answer) await sleep(50)
    }
  }
  const auditorProcess = opts.clients
  const auditor = async (): Promise<void> => {
    for (let n = 0; !stopped; n++) {
      await audit(auditorProcess, n)
      await sleep(200)
    }
  }

  const load = Promise.all([...Array.from({length: opts.clients}, transfers), auditor()])
  const started = performance.now()
  await faults()
  await sleep(Math.max(0, opts.durationMs - (performance.now() - started)))
  stopped = true
  await load
  await client.waitSettled()
  const final = await balances()
  // Each participant's final state: in doubt, locked, and the balances it holds.
  for (const p of await client.participantStates()) {
    const held = final.flatMap((balance, i) => (client.ownerOf(account(i)) === p.id ? [[account(i), balance] as const] : []))
    history.push({type: 'final', participant: p.id, inDoubt: p.inDoubt, lockedKeys: p.lockedKeys, balances: Object.fromEntries(held), time: now()})
  }
  // The audit after the final states: bankRunFromHistory reads it as the final audit.
  await audit(auditorProcess, -1)
  // The run as the history tells it, so a re-check of the file reaches the same verdict.
  return bankRunFromHistory(history.events)
}

/** A transaction's client outcome in history terms: committed is `ok`, aborted `fail` (with its reason), no answer `info`. */
function clientOutcome(answer: TxnAnswer | undefined): {type: 'ok' | 'fail' | 'info'; txn?: string; reason?: string} {
  if (!answer) return {type: 'info', reason: 'no answer from the coordinator'}
  return answer.outcome === 'committed' ? {type: 'ok', txn: answer.txn} : {type: 'fail', txn: answer.txn, reason: answer.reason ?? 'aborted'}
}

/** What breaks the bank's invariant (money made or lost, an inconsistent snapshot); empty when it held. */
export function bankProblems(run: BankRun): string[] {
  const problems: string[] = []
  if (Object.keys(run.inDoubt).length === 0) problems.push('no participant final state was recorded: the run did not finish')
  for (const [participant, n] of Object.entries(run.inDoubt)) if (n > 0) problems.push(`${participant} ended with ${n} transaction${n === 1 ? '' : 's'} in doubt`)
  if (run.finalSum !== run.total) problems.push(`the final balances sum to ${run.finalSum}, not ${run.total}`)
  if (run.badBalances > 0) problems.push(`${run.badBalances} final balances are not non-negative integers`)
  if (run.finalAudit !== run.total) problems.push(`the final audit ${run.finalAudit === undefined ? 'did not commit' : `summed to ${run.finalAudit}`}`)
  const wrong = run.auditSums.filter((s) => s !== run.total)
  if (wrong.length > 0) problems.push(`${wrong.length} committed audits saw other totals: ${[...new Set(wrong)].slice(0, 5).join(', ')}`)
  if ((run.outcomes.committed ?? 0) === 0) problems.push('no transfer committed: nothing was tested')
  return problems
}

export interface TxnCheckOptions extends BankOptions {
  dataDir: string
  faults: Fault[]
  faultIntervalMs: number
  historyPath: string
  observer?: CheckObserver
}

/** What a bank history says, the same for a live check and a re-check of its file. */
export interface BankVerdict extends BankRun {
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

/** Checks a bank history: totals kept, nothing in doubt. */
export function judgeBankHistory(history: readonly BankEvent[]): BankVerdict {
  const run = bankRunFromHistory(history)
  const problems = bankProblems(run)
  const anomaly = bankAnomaly(history, run, problems)
  return {...run, problems, ...(anomaly ? {anomaly} : {}), timeline: historyTimeline(history)}
}

/** `check txn --recheck`: the report of a live check from its history alone; what only the run knew (seed, faults) is left out. */
export function recheckBankHistory(history: readonly BankEvent[], path: string): TxnCheckReport {
  return {workload: 'check-txn', ...recheckedRun(history, path, 'transfer'), ...judgeBankHistory(history)}
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
    return {workload: 'check-txn', clients: opts.clients, durationS: (performance.now() - t0) / 1000, seed: opts.seed, faults, history: opts.historyPath, ...judgeBankHistory(history.events)}
  } finally {
    await client.close()
  }
}
