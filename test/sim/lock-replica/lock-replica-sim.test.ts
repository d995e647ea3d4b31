import {afterAll, describe, expect, it} from 'vitest'

import {checkLockHistory} from '../../../src/core/check/mutual-exclusion.js'
import {oncePerSeed} from '../../support/once-per-seed.js'
import {LockReplicaSim, type LockReplicaSimResult} from './lock-replica-sim.js'

/** Override with LOCK_REPLICA_SIM_SEED=<n> to replay one run (its node count comes from the seed). */
const replaySeed = process.env.LOCK_REPLICA_SIM_SEED === undefined ? undefined : Number(process.env.LOCK_REPLICA_SIM_SEED)
const seedCount = Number(process.env.LOCK_REPLICA_SIM_SEEDS ?? 8)
const DURATION_MS = 15_000

/** Seeds 3000.. run three replicas, 5000.. five. */
const nodesOf = (seed: number) => (seed >= 5_000 ? 5 : 3)
const seedsFor = (nodes: number) => (replaySeed !== undefined ? (nodesOf(replaySeed) === nodes ? [replaySeed] : []) : Array.from({length: seedCount}, (_, i) => nodes * 1_000 + i))

const simulate = oncePerSeed(
  (seed) => `LOCK_REPLICA_SIM_SEED=${seed} npx vitest run test/sim/lock-replica`,
  async (seed): Promise<LockReplicaSimResult> => {
    const run = await new LockReplicaSim({seed, nodes: nodesOf(seed), durationMs: DURATION_MS, clients: 6, locks: 2}).run()
    // Thrown inside the run, so the failure carries the replay line.
    if (run.violations.length > 0) throw new Error(`the committed log granted a lock early:\n${run.violations.join('\n')}`)
    const clientViolations = checkLockHistory(run.history).violations
    if (clientViolations.length > 0) throw new Error(`the clients' history breaks mutual exclusion or token order:\n${JSON.stringify(clientViolations, null, 1)}`)
    return run
  },
)

const totals: Record<string, number> = {}
afterAll(() => {
  if (Object.keys(totals).length > 0) process.stderr.write(`replicated lock simulation: ${JSON.stringify(totals)}\n`)
})

for (const nodes of [3, 5].filter((n) => seedsFor(n).length > 0)) {
  describe(`replicated lock simulation, ${nodes} replicas`, () => {
    it.each(seedsFor(nodes))(
      'seed %i: no two leases of a lock overlap in real time and tokens increase, through partitions, leader changes and crash-restarts; a freed lock reaches its waiter',
      async (seed) => {
        const {counts} = await simulate(seed)
        for (const [key, n] of Object.entries(counts)) totals[key] = (totals[key] ?? 0) + n
        // Not vacuous: locks changed hands, leaders changed, nodes crashed, and the leader's expiries applied.
        expect(counts.grants, JSON.stringify(counts)).toBeGreaterThan(25)
        expect(Math.min(counts.crashes, counts.partitions, counts.expiresApplied, counts.pausesPastLease), JSON.stringify(counts)).toBeGreaterThan(0)
        expect(counts.leaders).toBeGreaterThan(1)
      },
    )
  })
}

describe('replicated lock simulation replay', () => {
  it.runIf(replaySeed === undefined)('runs a seed the same way twice, so a printed seed replays the failure it names', async () => {
    const once = () => new LockReplicaSim({seed: 42, nodes: 3, durationMs: 3_000, clients: 4, locks: 2}).run()
    const first = await once()
    expect(await once()).toEqual(first)
    expect(first.counts.grants).toBeGreaterThan(0)
  })
})
