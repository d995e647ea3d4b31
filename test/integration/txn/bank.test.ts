import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {parseDurationMs} from '../../../src/cli/duration.js'
import {sleep} from '../../../src/core/cluster/processes.js'
import {SeededRng} from '../../../src/core/common/rng.js'
import {COORDINATOR, killNode, restartNode, TxnCluster} from './txn-cluster.js'

const ACCOUNTS = 100
const INITIAL_BALANCE = 1_000
const TOTAL = ACCOUNTS * INITIAL_BALANCE
const WORKERS = 8
/** BANK_DURATION (e.g. "20s") overrides the default run length; CI may shorten it. */
const DURATION_MS = process.env.BANK_DURATION ? parseDurationMs(process.env.BANK_DURATION) : 10_000
const SEED = Number(process.env.BANK_SEED ?? Date.now() % 1_000_000)

const account = (i: number): string => `acct-${i}`

/**
 * The bank-transfer invariant under coordinator crashes: transfers move money
 * between two of 100 accounts spread over 3 participants, each conditioned on
 * the balances it read, while the coordinator is killed with SIGKILL and
 * restarted twice. Audits read every balance and commit only if none changed
 * (conditions on all 100 keys): each committed audit is a consistent snapshot
 * and must sum to the initial total, as must the final balances.
 */
describe(`bank transfers with the coordinator killed twice (seed ${SEED}: BANK_SEED=${SEED} repeats the transfer choices)`, () => {
  let cluster: TxnCluster

  beforeAll(async () => {
    cluster = await TxnCluster.start()
    for (let first = 0; first < ACCOUNTS; first += 25) {
      const keys = Array.from({length: 25}, (_, i) => account(first + i))
      const answer = await cluster.txn(
        keys.map((key) => ({key, value: String(INITIAL_BALANCE)})),
        keys.map((key) => ({key, value: null})),
      )
      expect(answer?.outcome).toBe('committed')
    }
  })

  afterAll(async () => {
    await cluster?.stop()
  })

  async function balances(): Promise<number[]> {
    return Promise.all(Array.from({length: ACCOUNTS}, async (_, i) => Number(await cluster.read(account(i)))))
  }

  /** A snapshot that committed, or undefined when a transfer got in between (or the coordinator was down). */
  async function audit(n: number): Promise<number | undefined> {
    const read = await balances()
    const answer = await cluster.txn(
      [{key: `audit-${n}`, value: 'ok'}],
      read.map((b, i) => ({key: account(i), value: String(b)})),
    )
    return answer?.outcome === 'committed' ? read.reduce((a, b) => a + b, 0) : undefined
  }

  it('keeps the sum of balances', async () => {
    const rng = new SeededRng(SEED)
    const outcomes: Record<string, number> = {}
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

    const auditSums: number[] = []
    const auditor = async (): Promise<void> => {
      for (let n = 0; !stopped; n++) {
        const sum = await audit(n)
        if (sum !== undefined) auditSums.push(sum)
        await sleep(200)
      }
    }

    const faults = async (): Promise<void> => {
      for (const atMs of [DURATION_MS / 3, (2 * DURATION_MS) / 3]) {
        await sleep(atMs - (Date.now() - started))
        killNode(cluster.dataDir, COORDINATOR, 'KILL')
        await sleep(300)
        await restartNode(cluster.dataDir, COORDINATOR, 1_000, 15_000)
      }
    }

    const started = Date.now()
    const load = Promise.all([...Array.from({length: WORKERS}, worker), auditor()])
    await faults()
    await sleep(DURATION_MS - (Date.now() - started))
    stopped = true
    await load
    await cluster.waitSettled()

    const final = await balances()
    const finalAudit = await audit(-1)
    console.log(`bank (seed ${SEED}): ${JSON.stringify(outcomes)}; committed audits ${auditSums.length}`)
    expect(outcomes.committed ?? 0).toBeGreaterThan(0)
    expect(outcomes.unknown ?? 0, 'the coordinator kills cut off some transactions').toBeGreaterThan(0)
    expect(final.every((b) => Number.isInteger(b) && b >= 0)).toBe(true)
    expect(final.reduce((a, b) => a + b, 0)).toBe(TOTAL)
    expect(finalAudit).toBe(TOTAL)
    for (const sum of auditSums) expect(sum).toBe(TOTAL)
  })
})
