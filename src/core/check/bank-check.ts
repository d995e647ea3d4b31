import {performance} from 'node:perf_hooks'
import {setTimeout as sleep} from 'node:timers/promises'

import {requireClusterState} from '../cluster/cluster-state.js'
import {SeededRng} from '../common/rng.js'
import {CheckObserver, Fault, FaultEvent, runNemesis} from './nemesis.js'
import {TxnClusterClient} from './txn-cluster-client.js'

export interface BankOptions {
  accounts: number
  /** Account keys are `<prefix><n>`: a fresh prefix gives fresh accounts on a cluster that has run the bank before. */
  prefix: string
  /** Concurrent transfer loops (one more runs the audits). */
  clients: number
  durationMs: number
  seed: number
  observer?: CheckObserver
}

export interface BankRun {
  accounts: number
  total: number
  /** Transfer outcomes: `committed`, the abort reason, or `unknown` when no answer came. */
  outcomes: Record<string, number>
  /** Sums seen by the audits that committed: each a consistent snapshot. */
  auditSums: number[]
  finalSum: number
  /** The final balances that are not non-negative integers. */
  badBalances: number
  /** An audit after everything settled; undefined if it did not commit. */
  finalAudit: number | undefined
}

const INITIAL_BALANCE = 1_000

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
export async function runBank(client: TxnClusterClient, opts: BankOptions, faults: () => Promise<void>): Promise<BankRun> {
  const account = (i: number): string => `${opts.prefix}${i}`
  const balances = () => Promise.all(Array.from({length: opts.accounts}, async (_, i) => Number(await client.read(account(i)))))
  const audit = async (n: number): Promise<number | undefined> => {
    const read = await balances()
    const answer = await client.txn(
      [{key: `${opts.prefix}audit-${n}`, value: 'ok'}],
      read.map((b, i) => ({key: account(i), value: String(b)})),
    )
    return answer?.outcome === 'committed' ? read.reduce((a, b) => a + b, 0) : undefined
  }

  const rng = new SeededRng(opts.seed)
  const outcomes: Record<string, number> = {}
  const auditSums: number[] = []
  let stopped = false

  const transfers = async (): Promise<void> => {
    while (!stopped) {
      const a = rng.int(opts.accounts)
      const b = (a + 1 + rng.int(opts.accounts - 1)) % opts.accounts
      let balanceA: number
      let balanceB: number
      try {
        ;[balanceA, balanceB] = await Promise.all([client.read(account(a)), client.read(account(b))]).then((v) => v.map(Number))
      } catch {
        // A participant is down: no transfer without knowing both balances.
        outcomes['read failed'] = (outcomes['read failed'] ?? 0) + 1
        opts.observer?.operation?.()
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
      const outcome = answer ? (answer.reason ?? answer.outcome) : 'unknown'
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
      opts.observer?.operation?.()
      if (!answer) await sleep(50)
    }
  }
  const auditor = async (): Promise<void> => {
    for (let n = 0; !stopped; n++) {
      const sum = await audit(n).catch(() => undefined) // a participant may be down
      if (sum !== undefined) auditSums.push(sum)
      opts.observer?.operation?.()
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
  return {
    accounts: opts.accounts,
    total: opts.accounts * INITIAL_BALANCE,
    outcomes,
    auditSums,
    finalSum: final.reduce((a, b) => a + b, 0),
    badBalances: final.filter((b) => !Number.isInteger(b) || b < 0).length,
    finalAudit: await audit(-1),
  }
}

/** What breaks the bank's invariant (money made or lost, an inconsistent snapshot); empty when it held. */
export function bankProblems(run: BankRun): string[] {
  const problems: string[] = []
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
}

export interface TxnCheckReport extends BankRun {
  workload: 'check-txn'
  clients: number
  durationS: number
  seed: number
  faults: FaultEvent[]
  problems: string[]
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
    const run = await runBank(client, opts, async () => {
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
    })
    return {workload: 'check-txn', clients: opts.clients, durationS: (performance.now() - t0) / 1000, seed: opts.seed, faults, ...run, problems: bankProblems(run)}
  } finally {
    await client.close()
  }
}
