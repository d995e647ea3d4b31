/**
 * One failover trial: writers keep writing, the leader is killed with
 * SIGKILL, and the unavailability window is the time from the kill until the
 * first write issued after the kill is acknowledged.
 */
import {performance} from 'node:perf_hooks'
import {setTimeout as sleep} from 'node:timers/promises'

import type {KvTarget} from '../../src/bench/kv/kv-target.js'

const WRITERS = 8
const WARM_MS = 500
const GIVE_UP_MS = 20_000

/** `findLeader` runs before the clock starts: the window is measured from the SIGKILL itself. */
export async function failoverTrial(target: KvTarget, trial: number, findLeader: () => Promise<string>, kill: (name: string) => void): Promise<{windowMs: number; killed: string}> {
  let stopping = false
  let killedAt = Infinity
  let recoveredAt = Infinity
  const writers = Array.from({length: WRITERS}, async (_, w) => {
    const client = target.client(w)
    for (let i = 0; !stopping; i++) {
      const startedAt = performance.now()
      try {
        await client.put(`failover-${trial}-${w}-${i}`, 'x')
        if (startedAt >= killedAt) recoveredAt = Math.min(recoveredAt, performance.now())
      } catch {
        // retried by the next iteration
      }
    }
  })
  await sleep(WARM_MS)
  const killed = await findLeader()
  kill(killed)
  killedAt = performance.now()
  const deadline = killedAt + GIVE_UP_MS
  while (recoveredAt === Infinity && performance.now() < deadline) await sleep(5)
  stopping = true
  await Promise.all(writers)
  if (recoveredAt === Infinity) throw new Error(`trial ${trial}: writes did not resume within ${GIVE_UP_MS}ms`)
  return {windowMs: recoveredAt - killedAt, killed}
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}
