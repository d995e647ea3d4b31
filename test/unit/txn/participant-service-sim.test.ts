import {describe, expect, it} from 'vitest'

import {SeededRng} from '../../../src/core/common/rng.js'
import type {Message} from '../../../src/core/txn/types.js'
import {SimDisk} from '../../../src/runtime/env/sim-disk.js'
import {SimEnv, SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'
import type {MessageTransport} from '../../../src/nodes/txn-common/peer-transport.js'
import {ParticipantService} from '../../../src/nodes/txn-participant/participant-service.js'
import {oncePerSeed} from '../../support/once-per-seed.js'

/**
 * The production ParticipantService (CoreDriver, ReadyLog with checkpoints,
 * the durable-reads table) on a SimEnv and SimDisk, from a seed: prepares
 * and commits arrive over simulated time, each transaction writing one of a
 * few keys a value larger than any before; reads are taken all along;
 * checkpoints are frequent. At a seeded moment the machine loses power
 * (unsynced writes go, a seeded prefix kept, the last one torn), and a new
 * service starts on the same disk. Reads must never go backwards: for every
 * key it serves at least the newest value any read returned before.
 */
const replaySeed = process.env.TXN_SERVICE_SIM_SEED === undefined ? undefined : Number(process.env.TXN_SERVICE_SIM_SEED)
const seeds = replaySeed === undefined ? Array.from({length: 40}, (_, i) => 1 + i) : [replaySeed]
const KEYS = 5
const TXNS = 400
/** Small, so that a run checkpoints several times before its crash. */
const CHECKPOINT_AFTER_BYTES = 2_048

const silent = {info: () => undefined, error: () => undefined}

/** Collects what the participant sends (votes, acks) instead of a network. */
function simTransport(): MessageTransport {
  return {
    send: async () => undefined,
    stats: () => ({requests: 0, messages: 0, dropped: 0, undeliverable: 0}),
    close: async () => undefined,
  }
}

interface Run {
  checkpointsBeforeCrash: number
  restartedFromCheckpoint: boolean
  readsChecked: number
}

async function simulate(seed: number): Promise<Run> {
  const scheduler = new SimScheduler()
  const disk = new SimDisk(scheduler, seed)
  const rng = new SeededRng(seed)
  const open = (env: SimEnv) => new ParticipantService('/p1', {coordinator: 'sim', checkpointAfterBytes: CHECKPOINT_AFTER_BYTES}, 'p1', silent, env, simTransport())
  const service = open(new SimEnv(scheduler, seed, {disk}))
  const key = (i: number) => `k${i % KEYS}`
  const newest = new Map<string, number>()
  const readAll = (s: ParticipantService) => {
    for (let k = 0; k < KEYS; k++) {
      const value = s.read(`k${k}`)
      if (value !== undefined) newest.set(`k${k}`, Math.max(newest.get(`k${k}`) ?? 0, Number(value)))
    }
  }
  const crashAt = 50 + rng.int(TXNS - 50)
  for (let i = 1; i <= crashAt; i++) {
    const envelope = {txn: `t${i}`, from: 'c', to: 'p1'}
    const prepare: Message = {type: 'prepare', ...envelope, writes: [{key: key(i), value: String(i)}], conditions: []}
    service.receive([prepare])
    await scheduler.runUntil(scheduler.now + rng.next() * 3)
    service.receive([{type: 'commit', ...envelope}])
    readAll(service)
    await scheduler.runUntil(scheduler.now + rng.next() * 3)
    readAll(service)
  }
  const checkpointsBeforeCrash = (service.health().log as {checkpoints: number}).checkpoints
  // Power loss: the process and the page cache go; a seeded prefix of the unsynced writes stays, the last one torn.
  disk.crash(rng)
  const restarted = open(new SimEnv(scheduler, seed + 1_000_000, {disk}))
  for (const [k, value] of newest) {
    const after = Number(restarted.read(k) ?? 0)
    if (after < value) throw new Error(`seed ${seed}: ${k} was read as ${value} before the crash and as ${after} after it`)
  }
  const restartedFromCheckpoint = (restarted.health().log as {checkpointIndex: number}).checkpointIndex > 0
  let closed = false
  void restarted.close().then(() => (closed = true))
  await scheduler.runWhile(() => !closed, 10_000)
  return {checkpointsBeforeCrash, restartedFromCheckpoint, readsChecked: newest.size}
}

const run = oncePerSeed((seed) => `TXN_SERVICE_SIM_SEED=${seed} npx vitest run test/unit/txn/participant-service-sim.test.ts`, simulate)

describe('ParticipantService on a simulated disk: power loss at a seeded moment', () => {
  it.each(seeds)('seed %i: no read goes backwards across the crash and the restart', async (seed) => {
    expect((await run(seed)).readsChecked).toBe(KEYS)
  })

  it.runIf(seeds.length > 1)('the seeds together checkpointed before their crashes and restarted from a checkpoint', async () => {
    const all = await Promise.all(seeds.map(run))
    expect(all.every((r) => r.checkpointsBeforeCrash > 0)).toBe(true)
    expect(all.filter((r) => r.restartedFromCheckpoint).length).toBeGreaterThan(seeds.length / 2)
  })
})
