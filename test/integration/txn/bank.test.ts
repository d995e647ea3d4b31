import {describe, expect, it} from 'vitest'

import {parseDurationMs} from '../../../src/core/common/duration.js'
import {sleep} from '../../../src/runtime/cluster/processes.js'
import {bankProblems, runBank} from '../../../src/check/bank-check.js'
import {BANK, MIN_AUDITS, useBankCluster} from './bank-cluster.js'
import {COORDINATOR, killNode, restartNode} from './txn-cluster.js'

/** BANK_DURATION (e.g. "20s") overrides the default run length; CI may shorten it. */
const DURATION_MS = process.env.BANK_DURATION ? parseDurationMs(process.env.BANK_DURATION) : 10_000
const SEED = Number(process.env.BANK_SEED ?? Date.now() % 1_000_000)

/**
 * The bank-transfer invariant under coordinator crashes: transfers move money
 * between two of 100 accounts spread over 3 participants while the
 * coordinator is killed with SIGKILL and restarted twice. Audits read every
 * balance inside one transaction (shared locks held to the commit): each
 * committed audit is a consistent snapshot and must sum to the initial
 * total, as must the final balances; and audits must commit.
 */
describe(`bank transfers with the coordinator killed twice (seed ${SEED}: BANK_SEED=${SEED} repeats the transfer choices)`, () => {
  const bank = useBankCluster()

  it('keeps the sum of balances', async () => {
    const cluster = bank()
    const started = Date.now()
    const run = await runBank(cluster.api, {...BANK, durationMs: DURATION_MS, seed: SEED}, async () => {
      for (const atMs of [DURATION_MS / 3, (2 * DURATION_MS) / 3]) {
        await sleep(atMs - (Date.now() - started))
        killNode(cluster.dataDir, COORDINATOR, 'KILL')
        await sleep(300)
        await restartNode(cluster.dataDir, COORDINATOR, 1_000, 15_000)
      }
    })
    console.log(`bank (seed ${SEED}): ${JSON.stringify(run.outcomes)}; committed audits ${run.auditSums.length}`)
    expect(run.outcomes.unknown ?? 0, 'the coordinator kills cut off some transactions').toBeGreaterThan(0)
    expect(bankProblems(run, MIN_AUDITS)).toEqual([])
  })
})
