import {afterAll, describe, expect, it} from 'vitest'
import type {Protocol} from '../../../src/nodes/replica/consensus.js'
import {KvSimCluster, type KvSimProtocol, type SimReport} from './kv-sim-cluster.js'

export interface KvSimSuite<P extends Protocol, D> {
  /** The protocol's name in titles and the summary line. */
  readonly name: string
  readonly protocol: KvSimProtocol<P, D>
  /** Cluster sizes, and the seeds each runs (just the replayed one, when replaying). */
  readonly seedsFor: (nodes: number) => number[]
  readonly steps: number
  /** Whether the faults pause nodes too (see SimOptions). */
  readonly pauses: boolean
  readonly describeTitle: (nodes: number) => string
  /** The test's title; %i is the seed. */
  readonly testTitle: string
  /** The command that replays one seed. */
  readonly replay: (seed: number, nodes: number) => string
  /** Whether to run the replay-determinism test (not while replaying one seed). */
  readonly checkReplay: boolean
  /** What a seed's report adds to the summary line besides the common counts. */
  readonly extra?: {readonly label: string; readonly counts: (report: SimReport) => boolean}
}

/**
 * The tests of a KV simulation, for one protocol: each seed runs a whole
 * cluster (KvSimCluster) and fails with its replay command; a summary line
 * totals what the seeds did, so a run that did little shows; and a seed run
 * twice gives the same report.
 */
export function kvSimSuite<P extends Protocol, D>(suite: KvSimSuite<P, D>): void {
  const ran = {seeds: 0, steps: 0, simulatedMs: 0, acknowledgedWrites: 0, completedReads: 0, crashes: 0, pauses: 0, leaders: 0, extra: 0}

  afterAll(() => {
    if (ran.seeds === 0) return
    const extra = suite.extra === undefined ? '' : `, ${ran.extra} seeds ${suite.extra.label}`
    console.log(
      `${suite.name} simulation: ${ran.seeds} seeds × ${suite.steps} steps (${ran.steps} steps with the liveness phase${extra}), ` +
        `${(ran.simulatedMs / 1000).toFixed(0)} s simulated, ${ran.acknowledgedWrites} acknowledged writes, ${ran.completedReads} linearizable reads, ${ran.crashes} crashes, ${ran.pauses} pauses, ${ran.leaders} leaders elected`,
    )
  })

  for (const nodes of [3, 5].filter((n) => suite.seedsFor(n).length > 0)) {
    describe(suite.describeTitle(nodes), () => {
      it.each(suite.seedsFor(nodes))(suite.testTitle, async (seed) => {
        try {
          const report = await new KvSimCluster(suite.protocol, {seed, nodes, steps: suite.steps, pauses: suite.pauses}).run()
          ran.seeds++
          ran.steps += report.steps
          ran.simulatedMs += report.simulatedMs
          ran.acknowledgedWrites += report.acknowledgedWrites
          ran.completedReads += report.completedReads
          ran.crashes += report.crashes
          ran.pauses += report.pauses
          ran.leaders += report.leaders
          if (suite.extra?.counts(report) === true) ran.extra++
          expect(report.applied).toBeGreaterThan(0)
        } catch (error) {
          throw new Error(`seed ${seed} (${nodes} nodes) failed: ${(error as Error).message}\nreplay: ${suite.replay(seed, nodes)}`, {cause: error})
        }
      })
    })
  }

  describe(`${suite.name} simulation replay`, () => {
    it.runIf(suite.checkReplay)('runs a seed the same way twice, so a printed seed replays the failure it names', async () => {
      const first = await new KvSimCluster(suite.protocol, {seed: 42, nodes: 3, steps: 5000, pauses: suite.pauses}).run()
      const second = await new KvSimCluster(suite.protocol, {seed: 42, nodes: 3, steps: 5000, pauses: suite.pauses}).run()
      expect(second).toEqual(first)
      expect(first.acknowledgedWrites).toBeGreaterThan(0)
    })
  })
}
