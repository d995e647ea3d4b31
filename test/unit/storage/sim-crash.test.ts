import {describe, expect, it} from 'vitest'

import {SeededRng} from '../../../src/core/common/rng.js'
import {SimDisk} from '../../../src/runtime/env/sim-disk.js'
import {SimEnv, SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'
import {KvStore} from '../../../src/runtime/storage/kv-store.js'
import {Wal} from '../../../src/runtime/storage/wal.js'
import {oncePerSeed} from '../../support/once-per-seed.js'

/**
 * The production Wal and KvStore on a SimDisk under a SimScheduler: writers
 * append and count acknowledgements; at a seeded moment the process dies
 * (kill -9: what it wrote stays) or the machine loses power (unsynced bytes
 * and directory entries go, a seeded prefix kept, the last write torn); then
 * the store is reopened from the same disk and checked. The same properties
 * as kv-store-crash.test.ts, which kills a real process, but replayable:
 * every acknowledged record survives, whole, at its index; what survives of
 * the unacknowledged is a prefix, in append order, each record whole.
 */
const replaySeed = process.env.STORAGE_SIM_SEED === undefined ? undefined : Number(process.env.STORAGE_SIM_SEED)
const seeds = replaySeed === undefined ? Array.from({length: 60}, (_, i) => 1 + i) : [replaySeed]
const ROUNDS = 5
const WRITERS = 4
/** A crash lands uniformly in this much simulated time after the reopen: up to about a hundred fsyncs. */
const CRASH_WITHIN_MS = 100

type Coverage = {steps: number; powerLosses: number; tornBytes: number; lostUnacked: number; segments: number; reopenedFromSnapshot: number}

const replay = (name: string) => (seed: number): string => `STORAGE_SIM_SEED=${seed} npx vitest run test/unit/storage/sim-crash.test.ts -t "${name}"`

function newCoverage(): Coverage {
  return {steps: 0, powerLosses: 0, tornBytes: 0, lostUnacked: 0, segments: 0, reopenedFromSnapshot: 0}
}

function check(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(message())
}

/** A store under test, as one simulated node's process sees it. */
interface Subject {
  /** Opens the store on `env.disk` (after a crash, or the first time) and checks what survived. */
  reopen(env: SimEnv, round: number): void
  /** One write named `name` (unique in the run); resolves once acknowledged. */
  write(env: SimEnv, name: string): Promise<void>
}

/**
 * Opens the subject ROUNDS + 1 times on one SimDisk. Between opens, WRITERS
 * writers write until a seeded moment, when the process is killed, and half
 * the time the power is cut too.
 */
async function crashRounds(seed: number, subject: (coverage: Coverage) => Subject): Promise<Coverage> {
  const sim = new SimScheduler()
  const rng = new SeededRng(seed)
  const disk = new SimDisk(sim, seed)
  const coverage = newCoverage()
  const store = subject(coverage)
  for (let round = 0; ; round++) {
    const env = new SimEnv(sim, seed * 100 + round, {disk})
    store.reopen(env, round)
    if (round === ROUNDS) return coverage
    for (let w = 0; w < WRITERS; w++) {
      void (async () => {
        for (let n = 0; ; n++) await store.write(env, `r${round}w${w}n${n}`)
      })()
    }
    await sim.runUntil(sim.now + rng.next() * CRASH_WITHIN_MS)
    env.halt()
    if (rng.next() < 0.5) {
      disk.crash(rng)
      coverage.powerLosses++
    }
    coverage.steps = sim.steps
  }
}

const walRun = oncePerSeed(replay('Wal'), (seed) =>
  crashRounds(seed, (coverage) => {
    let wal: Wal
    /** The log as the last reopen found it (record i + 1 at i), then what was appended since, in append order. */
    let log: Buffer[] = []
    let appended: Buffer[] = []
    let ackedIndex = 0
    return {
      reopen(env, round) {
        const opened = Wal.open('/node/wal', {segmentBytes: 512, maxRecordBytes: 64}, env.disk)
        wal = opened.wal
        coverage.tornBytes += opened.tornBytesTruncated
        const expected = [...log, ...appended]
        for (const record of opened.records) {
          const want = expected[record.index - 1]
          check(want !== undefined && record.payload.equals(want), () => `round ${round}: record ${record.index} is ${JSON.stringify(record.payload.toString())}, but ${want === undefined ? 'nothing' : JSON.stringify(want.toString())} was appended there`)
        }
        check(opened.records.length >= ackedIndex, () => `round ${round}: records up to ${ackedIndex} were acknowledged, only ${opened.records.length} recovered`)
        coverage.lostUnacked += expected.length - opened.records.length
        coverage.segments += wal.stats().segments
        log = opened.records.map((r) => r.payload)
        appended = []
        ackedIndex = log.length
      },
      async write(env, name) {
        // 1–3 records per append, of different sizes, each naming itself so a wrong one shows.
        const payloads = Array.from({length: 1 + env.rng.int(3)}, (_, i) => Buffer.from(`${name}.${i}:`.padEnd(10 + env.rng.int(50), '#')))
        appended.push(...payloads)
        ackedIndex = Math.max(ackedIndex, await wal.append(payloads))
      },
    }
  }),
)

const kvRun = oncePerSeed(replay('KvStore'), (seed) =>
  crashRounds(seed, (coverage) => {
    let store: KvStore
    /** Batches that must be there: acknowledged, or found by a reopen (which syncs what it found). */
    const durable = new Set<string>()
    /** Batches since the last reopen, in the order they were applied. */
    let issued: string[] = []
    return {
      reopen(env, round) {
        // 1–16 KiB between compactions, by seed, so crashes land both in a long first one and among many.
        store = KvStore.open('/node/kv', {segmentBytes: 512, compactAfterBytes: 1024 * (1 + (seed % 16))}, env.disk)
        for (const batch of durable) {
          check(store.get(`${batch}/a`) === batch && store.get(`${batch}/b`) === batch, () => `round ${round}: batch ${batch} was acknowledged but reads ${store.get(`${batch}/a`)}, ${store.get(`${batch}/b`)}`)
        }
        // Of the unacknowledged batches a prefix survives, each whole.
        const lost = issued.findIndex((batch) => !store.has(`${batch}/a`))
        const keptCount = lost === -1 ? issued.length : lost
        const late = issued.slice(keptCount).find((batch) => store.has(`${batch}/a`))
        check(late === undefined, () => `round ${round}: batch ${late} survived but ${issued[keptCount]}, applied before it, did not`)
        for (const [key, value] of store.entries()) {
          const [batch, half] = [key.slice(0, -2), key.slice(-1)]
          check(value === batch && store.get(`${batch}/${half === 'a' ? 'b' : 'a'}`) === batch, () => `round ${round}: ${key}=${value} survived without its other half`)
        }
        coverage.lostUnacked += issued.length - keptCount
        coverage.segments += store.stats().segments
        coverage.reopenedFromSnapshot += store.stats().snapshotIndex > 0 ? 1 : 0
        for (const batch of issued.slice(0, keptCount)) durable.add(batch)
        issued = []
      },
      async write(_env, batch) {
        issued.push(batch)
        await store.apply([
          {type: 'put', key: `${batch}/a`, value: batch},
          {type: 'put', key: `${batch}/b`, value: batch},
        ])
        durable.add(batch)
      },
    }
  }),
)

/** Every seed's coverage, summed. */
async function summed(run: (seed: number) => Promise<Coverage>): Promise<Coverage> {
  const sum = newCoverage()
  for (const coverage of await Promise.all(seeds.map(run))) {
    for (const field of Object.keys(sum) as (keyof Coverage)[]) sum[field] += coverage[field]
  }
  return sum
}

const stores: {name: string; run: (seed: number) => Promise<Coverage>; claim: string; covered: string; minimums: Partial<Coverage>}[] = [
  {
    name: 'Wal',
    run: walRun,
    claim: 'every acknowledged record survives whole at its index; of the rest a whole-record prefix',
    covered: 'lost power, tore tails, rotated segments (more than one per open) and lost unacknowledged records',
    /** Each sum must exceed its minimum. */
    minimums: {powerLosses: seeds.length, tornBytes: 0, segments: seeds.length * (ROUNDS + 1), lostUnacked: 0},
  },
  {
    name: 'KvStore',
    run: kvRun,
    claim: 'every acknowledged batch survives whole; of the rest a whole-batch prefix in apply order',
    covered: 'lost power, reopened from snapshots and lost unacknowledged batches',
    minimums: {powerLosses: seeds.length, reopenedFromSnapshot: seeds.length, lostUnacked: 0},
  },
]

for (const store of stores) {
  describe(`${store.name} on a SimDisk, crashed at seeded moments`, () => {
    it.each(seeds)(`seed %i: ${store.claim}`, async (seed) => {
      await store.run(seed)
    })

    it.runIf(seeds.length > 1)(`the seeds together ${store.covered}`, async () => {
      const sum = await summed(store.run)
      for (const [field, minimum] of Object.entries(store.minimums)) expect(sum[field as keyof Coverage], field).toBeGreaterThan(minimum)
    })
  })
}
