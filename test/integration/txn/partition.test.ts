import {describe, expect, it} from 'vitest'

import {sleep} from '../../../src/runtime/cluster/processes.js'
import {healCluster, partitionCluster} from '../../../src/runtime/cluster/partition.js'
import {bankProblems, runBank} from '../../../src/check/bank-check.js'
import {BANK, MIN_AUDITS, useBankCluster} from './bank-cluster.js'
import {COORDINATOR, PARTICIPANTS} from './txn-cluster.js'

const DURATION_MS = 9_000
const SEED = Number(process.env.BANK_SEED ?? Date.now() % 1_000_000)

/**
 * The bank-transfer invariant while participants are cut off from the
 * coordinator (peer messages dropped both ways) and healed again: votes and
 * decisions are lost in flight, so transactions abort on timeouts and
 * prepared participants wait in doubt until the partition heals. Nothing may
 * be half-committed and nothing may stay in doubt.
 */
describe(`bank transfers across coordinator-participant partitions (seed ${SEED}: BANK_SEED=${SEED} repeats the transfer choices)`, () => {
  const bank = useBankCluster()

  it('keeps the sum of balances and leaves nothing in doubt after the heal', async () => {
    const cluster = bank()
    const started = Date.now()
    const dropped: number[] = []
    const run = await runBank(cluster.api, {...BANK, durationMs: DURATION_MS, seed: SEED}, async () => {
      for (const [i, atMs] of [DURATION_MS / 4, DURATION_MS / 2].entries()) {
        await sleep(atMs - (Date.now() - started))
        const before = (await cluster.health(COORDINATOR)).partitionDropped
        await partitionCluster(cluster.dataDir, [PARTICIPANTS[i]])
        // Longer than the coordinator's prepare timeout (2 s here), so prepares that cannot reach the participant time out.
        await sleep(2_500)
        // The coordinator's prepares to the cut-off participant are the messages sure to be dropped.
        dropped.push((await cluster.health(COORDINATOR)).partitionDropped - before)
        await healCluster(cluster.dataDir)
      }
    })
    console.log(`bank under partitions (seed ${SEED}): ${JSON.stringify(run.outcomes)}; committed audits ${run.auditSums.length}`)
    expect(Object.keys(run.outcomes).some((o) => o !== 'committed' && o !== 'conflict' && o !== 'condition failed'), 'partitions made some transactions fail').toBe(true)
    expect(dropped.every((n) => n > 0), 'messages to the cut-off participants were dropped at the cut').toBe(true)
    expect(bankProblems(run, MIN_AUDITS)).toEqual([])
  })
})
