import {describe, expect, it} from 'vitest'

import {SeededRng} from '../../../src/core/common/rng.js'
import {SimDisk} from '../../../src/runtime/env/sim-disk.js'
import {SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'
import {writeFileAtomic, writeFileAtomicSync} from '../../../src/runtime/storage/atomic-file.js'
import {ensureDirDurableSync} from '../../../src/runtime/storage/durable-dir.js'

const replaySeed = process.env.STORAGE_SIM_SEED === undefined ? undefined : Number(process.env.STORAGE_SIM_SEED)
const seeds = replaySeed === undefined ? Array.from({length: 100}, (_, i) => 1 + i) : [replaySeed]

describe('writeFileAtomic on a SimDisk, the power cut at a seeded moment', () => {
  it('leaves the old or the new contents, never a mix, and the new once the write resolved', async () => {
    const outcomes = {old: 0, newUnresolved: 0, newResolved: 0}
    for (const seed of seeds) {
      const replay = `seed ${seed} (replay: STORAGE_SIM_SEED=${seed} npx vitest run test/unit/storage/atomic-file-sim.test.ts)`
      const sim = new SimScheduler()
      const rng = new SeededRng(seed)
      const disk = new SimDisk(sim, seed)
      ensureDirDurableSync('/node/state', disk)
      const [before, after] = ['old', `new ${'x'.repeat(rng.int(100))}`]
      writeFileAtomicSync('/node/state/lease', before, disk)
      let resolved = false
      void writeFileAtomic('/node/state/lease', after, disk).then(() => (resolved = true))
      // The write and two fsyncs take up to about 4 ms of simulated time.
      await sim.runUntil(rng.next() * 5)
      disk.crash(rng)
      const text = disk.existsSync('/node/state/lease') ? disk.readFileSync('/node/state/lease').toString() : 'nothing'
      expect([before, after], `${replay}: read ${text}`).toContain(text)
      if (resolved) expect(text, `${replay}: the write resolved`).toBe(after)
      outcomes[text === before ? 'old' : resolved ? 'newResolved' : 'newUnresolved']++
    }
    if (seeds.length > 1) expect(Object.values(outcomes).every((n) => n > 0), JSON.stringify(outcomes)).toBe(true)
  })
})
