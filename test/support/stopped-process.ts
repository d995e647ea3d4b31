import {readdirSync, readFileSync} from 'node:fs'

import {expect, vi} from 'vitest'

/**
 * Resolves once every thread of `pid` shows as stopped. SIGSTOP takes effect
 * as each thread next enters the kernel, so a JVM (dozens of threads) can
 * still answer a request for a moment after the signal was sent.
 */
export async function waitUntilStopped(pid: number): Promise<void> {
  const states = () => readdirSync(`/proc/${pid}/task`).map((t) => readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').split(') ')[1][0])
  await vi.waitFor(() => expect(states().filter((state) => state !== 'T')).toEqual([]), {timeout: 5_000, interval: 10})
}
