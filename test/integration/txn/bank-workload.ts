import {afterAll, beforeAll, expect} from 'vitest'

import {sleep} from '../../../src/core/cluster/processes.js'
import {SeededRng} from '../../../src/core/common/rng.js'
import {TxnCluster} from './txn-cluster.js'

export const ACCOUNTS = 100
const INITIAL_BALANCE = 1_000
export const TOTAL = ACCOUNTS * INITIAL_BALANCE
const WORKERS = 8

const account = (i: number): string => `acct-${i}`

/** A txn cluster with every account open, started before the file's tests and stopped after them. */
export function useBankCluster(): () => TxnCluster {
  let cluster: TxnCluster | undefined
  beforeAll(async () => {
    cluster = await TxnCluster.start()
    await openAccounts(cluster)
  })
  afterAll(async () => {
    await cluster?.stop()
  })
  return () => cluster!
}

/** Opens every account with the initial balance (conditions make it fail if one exists). */
async function openAccounts(cluster: TxnCluster): Promise<void> {
  for (let first = 0; first < ACCOUNTS; first += 25) {
    const keys = Array.from({length: 25}, (_, i) => account(first + i))
    const answer = await cluster.txn(
      keys.map((key) => ({key, value: String(INITIAL_BALANCE)})),
      keys.map((key) => ({key, value: null})),
    )
    expect(answer?.outcome).toBe('committed')
  }
}

export interface BankRun {
  /** Transfer outcomes by answer (`committed`) or abort reason; `unknown` when no answer came. */
  outcomes: Record<string, number>
  /** Sums of the audits that committed: each a consistent snapshot. */
  auditSums: number[]
  final: number[]
  finalAudit: number | undefined
}

/**
 * Transfers between two of the accounts, each conditioned on the balances it
 * read, while `faults` runs; audits read every balance and commit only if
 * none changed. Waits for the cluster to settle before the final reads.
 */
export async function runBank(cluster: TxnCluster, opts: {durationMs: number; seed: number; faults: () => Promise<void>}): Promise<BankRun> {
  const balances = () => Promise.all(Array.from({length: ACCOUNTS}, async (_, i) => Number(await cluster.read(account(i)))))
  const audit = async (n: number): Promise<number | undefined> => {
    const read = await balances()
    const answer = await cluster.txn(
      [{key: `audit-${n}`, value: 'ok'}],
      read.map((b, i) => ({key: account(i), value: String(b)})),
    )
    return answer?.outcome === 'committed' ? read.reduce((a, b) => a + b, 0) : undefined
  }

  const rng = new SeededRng(opts.seed)
  const outcomes: Record<string, number> = {}
  const auditSums: number[] = []
  let stopped = false

  const worker = async (): Promise<void> => {
    while (!stopped) {
      const a = rng.int(ACCOUNTS)
      const b = (a + 1 + rng.int(ACCOUNTS - 1)) % ACCOUNTS
      const [balanceA, balanceB] = await Promise.all([cluster.read(account(a)), cluster.read(account(b))]).then((v) => v.map(Number))
      const amount = Math.min(balanceA, 1 + rng.int(50))
      const answer = await cluster.txn(
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
      if (!answer) await sleep(50)
    }
  }
  const auditor = async (): Promise<void> => {
    for (let n = 0; !stopped; n++) {
      const sum = await audit(n)
      if (sum !== undefined) auditSums.push(sum)
      await sleep(200)
    }
  }

  const started = Date.now()
  const load = Promise.all([...Array.from({length: WORKERS}, worker), auditor()])
  await opts.faults()
  await sleep(opts.durationMs - (Date.now() - started))
  stopped = true
  await load
  await cluster.waitSettled()
  return {outcomes, auditSums, final: await balances(), finalAudit: await audit(-1)}
}

/** The bank's invariant: money is neither made nor lost, and every committed audit saw a consistent total. */
export function expectBalancesKept(run: BankRun): void {
  expect(run.outcomes.committed ?? 0).toBeGreaterThan(0)
  expect(run.final.every((b) => Number.isInteger(b) && b >= 0)).toBe(true)
  expect(run.final.reduce((a, b) => a + b, 0)).toBe(TOTAL)
  expect(run.finalAudit).toBe(TOTAL)
  for (const sum of run.auditSums) expect(sum).toBe(TOTAL)
}
