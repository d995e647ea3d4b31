import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {sleep} from '../../../src/runtime/cluster/processes.js'
import {failpointNames, type FailpointName} from '../../../src/core/txn/index.js'
import {COORDINATOR, killNode, PARTICIPANTS, restartNode, TxnCluster, type TxnAnswer} from './txn-cluster.js'

/**
 * For each failpoint: transactions in flight, the node crashes at the
 * protocol step (the failpoint SIGKILLs it), it restarts, and then every
 * participant is read back. Each transaction writes its own id to one key
 * on every participant, so "committed on one, missing on another" is visible.
 */
describe('2PC crash recovery at every failpoint (real processes)', () => {
  let cluster: TxnCluster

  beforeAll(async () => {
    cluster = await TxnCluster.start()
  })

  afterAll(async () => {
    await cluster?.stop()
  })

  const TXNS = 12

  type Txns = Array<{keys: string[]; value: string; answer: TxnAnswer | undefined}>

  async function runAll(tag: string): Promise<Txns> {
    return Promise.all(
      Array.from({length: TXNS}, async (_, i) => {
        const value = `${tag}#${i}`
        const keys = cluster.keysOnEveryParticipant(value)
        return {keys, value, answer: await cluster.txn(keys.map((key) => ({key, value})))}
      }),
    )
  }

  /** All-or-nothing on every participant, and every commit the client saw is everywhere. */
  async function checkAtomic(txns: Txns): Promise<void> {
    for (const t of txns) {
      const found = await Promise.all(t.keys.map((key) => cluster.read(key)))
      const applied = found.filter((v) => v === t.value).length
      expect(applied === 0 || applied === t.keys.length, `${t.value}: applied on ${applied} of ${t.keys.length} participants`).toBe(true)
      if (t.answer?.outcome === 'committed') expect(applied, `${t.value}: the client saw committed`).toBe(t.keys.length)
      if (t.answer?.outcome === 'aborted') expect(applied, `${t.value}: the client saw aborted`).toBe(0)
    }
  }

  const nodeFor = (fp: FailpointName): string => (fp.startsWith('coordinator.') ? COORDINATOR : PARTICIPANTS[0])

  const orphansAborted = async (): Promise<number> => {
    let n = 0
    for (const p of PARTICIPANTS) n += (await cluster.health(p)).orphans.aborted
    return n
  }

  /** Evidence that the crash left work for recovery, so the test exercised it (read after the restart). */
  const recoveryEvidence: Record<FailpointName, (orphansAbortedBefore: number, during: Txns) => Promise<void>> = {
    // The one prepared transaction's participants asked the restarted coordinator and heard "abort" (presumed).
    'coordinator.after-prepare-sent': async (before) => expect(await orphansAborted()).toBeGreaterThan(before),
    'coordinator.after-decision-logged': async () => expect((await cluster.health(COORDINATOR)).recovery.redriven).toBeGreaterThanOrEqual(1),
    'coordinator.mid-commit': async () => expect((await cluster.health(COORDINATOR)).recovery.redriven).toBeGreaterThanOrEqual(1),
    'participant.after-prepare-logged': async () => expect((await cluster.health(PARTICIPANTS[0])).recovery.inDoubtAtStart).toBeGreaterThanOrEqual(1),
    // The COMMIT record survived without its ack; checkAtomic then finds that transaction on every participant.
    'participant.after-commit-logged': async (_, during) => expect(during.some((t) => t.answer?.outcome === 'committed')).toBe(true),
  }

  for (const fp of failpointNames) {
    it(`${fp}: restart leaves every transaction all-or-nothing and nobody in doubt`, async () => {
      const before = await runAll(`${fp}/before`)
      // Answered, not necessarily committed: a starved CI machine can hit the phase-1 timeout.
      expect(before.every((t) => t.answer !== undefined)).toBe(true)

      const node = nodeFor(fp)
      // Phase 2 of earlier transactions must be over, or the failpoint may fire on one of them.
      await cluster.waitSettled()
      const orphansBefore = await orphansAborted()
      await cluster.failpoint(node, fp)
      const during = await runAll(`${fp}/during`)
      await cluster.waitDead(node)
      await restartNode(cluster.dataDir, node, 1_000, 15_000)
      await cluster.waitSettled()
      await recoveryEvidence[fp](orphansBefore, during)

      const after = await runAll(`${fp}/after`)
      expect(after.every((t) => t.answer !== undefined)).toBe(true)
      expect(after.some((t) => t.answer?.outcome === 'committed'), 'the cluster commits again after recovery').toBe(true)
      // A client hears "committed" before phase 2 ends: read the participants once it has.
      await cluster.waitSettled()
      await checkAtomic([...before, ...during, ...after])
    })
  }

  it('kill -9 of the coordinator mid-load: restart resolves every prepared participant', async () => {
    const load = runAll('kill9')
    await sleep(5)
    killNode(cluster.dataDir, COORDINATOR, 'KILL')
    const txns = await load
    await restartNode(cluster.dataDir, COORDINATOR, 1_000, 15_000)
    await cluster.waitSettled()
    await checkAtomic(txns)
  })
})
