import {createServer} from 'node:net'

import {expect, test, vi} from 'vitest'

import {BatchOutcome, PeerLink} from '../../../src/runtime/net/peer-link.js'

test('closing a link settles every item, queued or in flight, so no sender waits forever', async () => {
  // A peer that takes connections and never answers (as one stopped with SIGSTOP).
  const silent = createServer(() => {})
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const settled: Array<[number[], BatchOutcome]> = []
  const link = new PeerLink<number>({
    url: `http://127.0.0.1:${(silent.address() as {port: number}).port}`,
    path: '/messages',
    inflight: 1,
    maxQueued: 10,
    timeoutMs: 10_000,
    batchLength: () => 1,
    message: (n) => n,
    settled: (batch, outcome) => settled.push([batch, outcome]),
  })
  for (const n of [1, 2, 3]) link.enqueue(n)
  link.flush()
  await link.close()
  // Settling may take a turn after close() resolves; wait for it, bounded by vitest's timeout rather than a guessed pause.
  await vi.waitFor(() => expect(settled.flatMap(([batch]) => batch).sort()).toEqual([1, 2, 3]))
  expect(settled.every(([, outcome]) => outcome === 'failed')).toBe(true)
  await new Promise((resolve) => silent.close(resolve))
})
