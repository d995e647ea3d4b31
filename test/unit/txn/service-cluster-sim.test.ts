import {describe, expect, it} from 'vitest'

import {SeededRng} from '../../../src/core/common/rng.js'
import type {Message, TxnAnswer} from '../../../src/core/txn/types.js'
import {keyOwner} from '../../../src/core/txn/key-owner.js'
import {SimDisk} from '../../../src/runtime/env/sim-disk.js'
import {SimEnv, SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'
import type {MessageTransport} from '../../../src/nodes/txn-common/peer-transport.js'
import {parseMessages} from '../../../src/nodes/txn-common/wire.js'
import {CoordinatorService} from '../../../src/nodes/txn-coordinator/coordinator-service.js'
import {ParticipantService} from '../../../src/nodes/txn-participant/participant-service.js'
import {oncePerSeed} from '../../support/once-per-seed.js'

/**
 * The production 2PC services (CoordinatorService, ParticipantService: the
 * CoreDriver, the ReadyLog with checkpoints, the durable-reads table, reads
 * with lock waits) as a cluster on one SimScheduler, each node on its own
 * SimEnv and SimDisk, messages through the real wire parser on a simulated
 * network that loses some. The bank: transfers conditioned on the balances
 * read, audits that read every account inside their transaction; nodes lose
 * power at seeded moments (unsynced writes go) and restart on their disks,
 * often from a checkpoint. Then the faults stop and the cluster must settle:
 * nothing in doubt, the money all there, every committed audit a consistent
 * snapshot.
 */
const replaySeed = process.env.TXN_CLUSTER_SIM_SEED === undefined ? undefined : Number(process.env.TXN_CLUSTER_SIM_SEED)
const seeds = replaySeed === undefined ? Array.from({length: 12}, (_, i) => 1 + i) : [replaySeed]
const PARTICIPANTS = ['p1', 'p2', 'p3']
const ACCOUNTS = 12
const INITIAL = 100
const CHAOS_MS = 4_000
const CLIENTS = 4
const LOSS = 0.02
/** A client gives up on an answer after this long (the outcome is then unknown). */
const CLIENT_TIMEOUT_MS = 3_000

const silent = {info: () => undefined, error: () => undefined}

interface Node {
  name: string
  env: SimEnv
  disk: SimDisk
  service: CoordinatorService | ParticipantService | undefined
  restarts: number
}

interface Run {
  committedTransfers: number
  committedAudits: number
  crashes: number
  restartsFromCheckpoint: number
}

async function simulate(seed: number): Promise<Run> {
  const rng = new SeededRng(seed)
  const scheduler = new SimScheduler()
  const ownerOf = keyOwner(PARTICIPANTS)
  const accounts = Array.from({length: ACCOUNTS}, (_, i) => `acct${i}`)
  const nodes = new Map<string, Node>()
  const problems: string[] = []
  const run: Run = {committedTransfers: 0, committedAudits: 0, crashes: 0, restartsFromCheckpoint: 0}

  /** One incarnation's network: it sends only while that incarnation lives, and delivers to whatever incarnation is up then. */
  const transport = (from: Node, env: SimEnv): MessageTransport => ({
    send: async (messages: readonly Message[]) => {
      if (from.env !== env) return
      for (const m of messages) {
        if (rng.next() < LOSS) continue
        const [wire] = parseMessages(JSON.parse(JSON.stringify({messages: [m]})))
        scheduler.after(0.2 + rng.next() * 3, () => nodes.get(wire.to)?.service?.receive([wire]))
      }
    },
    stats: () => ({requests: 0, messages: 0, dropped: 0, undeliverable: 0}),
    close: async () => undefined,
  })

  const start = (node: Node): void => {
    node.env = new SimEnv(scheduler, seed * 100 + node.restarts, {disk: node.disk})
    const options = {checkpointAfterBytes: 4_096}
    node.service =
      node.name === 'c'
        ? new CoordinatorService(`/${node.name}`, {participants: Object.fromEntries(PARTICIPANTS.map((p) => [p, 'sim'])), prepareTimeoutMs: 300, ...options}, 'c', silent, node.env, transport(node, node.env))
        : new ParticipantService(`/${node.name}`, {coordinator: 'sim', queryAfterMs: 200, ...options}, node.name, silent, node.env, transport(node, node.env))
    if ((node.service.health().log as {checkpointIndex: number}).checkpointIndex > 0) run.restartsFromCheckpoint++
  }
  for (const name of ['c', ...PARTICIPANTS]) {
    const disk = new SimDisk(scheduler, seed * 1_000 + nodes.size)
    const node: Node = {name, env: new SimEnv(scheduler, 0, {disk}), disk, service: undefined, restarts: 0}
    nodes.set(name, node)
    start(node)
  }
  const coordinator = (): CoordinatorService | undefined => nodes.get('c')!.service as CoordinatorService | undefined
  const participant = (key: string): ParticipantService | undefined => nodes.get(ownerOf(key))!.service as ParticipantService | undefined

  /** POST /txn as a client sees it: the answer, or undefined when the coordinator is down or does not answer in time. */
  const txn = async (...args: Parameters<CoordinatorService['run']>): Promise<TxnAnswer | undefined> => {
    const c = coordinator()
    if (!c) return undefined
    return Promise.race([c.run(...args), new Promise<undefined>((resolve) => scheduler.after(CLIENT_TIMEOUT_MS, () => resolve(undefined)))])
  }
  const pause = (ms: number) => new Promise<void>((resolve) => scheduler.after(ms, resolve))

  /** Awaits `promise` while the scheduler runs the simulation on. */
  const drive = async <T>(promise: Promise<T>, limitMs: number): Promise<T> => {
    let done = false
    const settled = promise.finally(() => (done = true))
    await scheduler.runWhile(() => !done, limitMs)
    return settled
  }

  // Open the accounts (a lost prepare aborts the attempt: try again).
  let opened: TxnAnswer | undefined
  for (let attempt = 0; attempt < 10 && opened?.outcome !== 'committed'; attempt++) {
    opened = await drive(txn(accounts.map((key) => ({key, value: String(INITIAL)})), accounts.map((key) => ({key, value: null}))), CLIENT_TIMEOUT_MS + 1)
  }
  if (opened?.outcome !== 'committed') throw new Error(`seed ${seed}: could not open the accounts: ${JSON.stringify(opened)}`)

  let chaos = true
  const transfers = async (): Promise<void> => {
    while (chaos) {
      const a = rng.int(ACCOUNTS)
      const b = (a + 1 + rng.int(ACCOUNTS - 1)) % ACCOUNTS
      const [from, to] = [accounts[a], accounts[b]]
      const balances = [participant(from)?.read(from), participant(to)?.read(to)]
      if (balances.some((v) => v === undefined)) {
        await pause(20)
        continue
      }
      const [x, y] = balances.map(Number)
      const amount = Math.min(x, 1 + rng.int(20))
      const answer = await txn(
        [
          {key: from, value: String(x - amount)},
          {key: to, value: String(y + amount)},
        ],
        [
          {key: from, value: String(x)},
          {key: to, value: String(y)},
        ],
      )
      if (answer?.outcome === 'committed') run.committedTransfers++
      await pause(rng.next() * 5)
    }
  }
  const audit = async (n: number): Promise<void> => {
    const answer = await txn([{key: `audit${n}`, value: 'ok'}], [], {reads: accounts, lockWaitMs: 100})
    if (answer?.outcome !== 'committed') return
    run.committedAudits++
    const sum = (answer.values ?? []).reduce((total, v) => total + Number(v.value), 0)
    if (answer.values?.length !== ACCOUNTS || sum !== ACCOUNTS * INITIAL) problems.push(`audit ${answer.txn} read ${answer.values?.length} accounts summing to ${sum}`)
  }
  const auditor = async (): Promise<void> => {
    for (let n = 0; chaos; n++) {
      await audit(n)
      await pause(10 + rng.next() * 30)
    }
  }
  const nemesis = async (): Promise<void> => {
    while (chaos) {
      await pause(200 + rng.next() * 600)
      if (!chaos) return
      const node = [...nodes.values()][rng.int(nodes.size)]
      if (!node.service) continue
      // Power loss: the process and the unsynced writes go (a seeded prefix stays, the last one torn).
      node.env.halt()
      node.disk.crash(rng)
      node.service = undefined
      run.crashes++
      await pause(20 + rng.next() * 300)
      node.restarts++
      start(node)
    }
  }
  const load = Promise.all([...Array.from({length: CLIENTS}, transfers), auditor(), nemesis()])
  await scheduler.runUntil(CHAOS_MS)
  chaos = false
  // The loops end once their last operation is answered or times out; LOSS stays, the cores re-send.
  await drive(load, 60_000)
  const settled = (): boolean => {
    const c = coordinator()!.health()
    return c.activeTxns === 0 && PARTICIPANTS.every((p) => ((nodes.get(p)!.service as ParticipantService).health().inDoubtCount as number) === 0)
  }
  await scheduler.runWhile(() => !settled(), 120_000)
  // Reads see a commit once its COMMIT record is durable: give the last fsyncs their time.
  await scheduler.runUntil(scheduler.now + 100)
  const total = accounts.reduce((sum, key) => sum + Number(participant(key)!.read(key)), 0)
  if (total !== ACCOUNTS * INITIAL) problems.push(`the final balances sum to ${total}, not ${ACCOUNTS * INITIAL}`)
  if (problems.length > 0) throw new Error(`seed ${seed}: ${problems.join('; ')}`)
  return run
}

const sim = oncePerSeed((seed) => `TXN_CLUSTER_SIM_SEED=${seed} npx vitest run test/unit/txn/service-cluster-sim.test.ts`, simulate)

describe('the production 2PC services as a simulated cluster: lossy network, power losses, checkpoints, bank transfers and audits', () => {
  it.each(seeds)('seed %i: settles with nothing in doubt, the money all there, every committed audit the total', async (seed) => {
    const run = await sim(seed)
    expect(run.committedTransfers).toBeGreaterThan(0)
  })

  it.runIf(seeds.length > 1)('the seeds together crashed nodes, restarted them from checkpoints, and committed audits', async () => {
    const all = await Promise.all(seeds.map(sim))
    expect(all.reduce((n, r) => n + r.crashes, 0)).toBeGreaterThan(seeds.length)
    expect(all.reduce((n, r) => n + r.restartsFromCheckpoint, 0)).toBeGreaterThan(0)
    expect(all.reduce((n, r) => n + r.committedAudits, 0)).toBeGreaterThan(seeds.length)
  })
})
