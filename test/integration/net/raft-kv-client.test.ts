import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {retryDelayMs, type RetryPolicy} from '../../../src/core/common/backoff.js'
import {SeededRng} from '../../../src/core/common/rng.js'
import {KvUnavailableError, RaftKvClient} from '../../../src/runtime/clients/raft-kv-client.js'
import type {Env} from '../../../src/runtime/env/env.js'
import {HttpError} from '../../../src/runtime/net/http-error.js'
import {JsonServer} from '../../../src/runtime/net/json-server.js'

/**
 * The KV client's retry loop against fake replicas, on an injected clock:
 * each pause the client asks for advances that clock by exactly its length
 * (and ends at the next turn of the event loop), so how often the client
 * comes back is counted, not timed.
 */

const OP_TIMEOUT_MS = 1_000
const RETRY: RetryPolicy = {initialMs: 20, maxMs: 200}
const SEED = 13
/** A client that never pauses would pass this many requests long before its deadline: the fake replicas then answer 200 to end the test. */
const FLOOD = 500

/** A clock that moves only when the client sleeps. */
function virtualEnv(): Pick<Env, 'now' | 'setTimer' | 'rng'> & {pauses: number[]} {
  let nowMs = 0
  const pauses: number[] = []
  return {
    pauses,
    now: () => nowMs,
    setTimer(delayMs, fn) {
      pauses.push(delayMs)
      nowMs += delayMs
      const immediate = setImmediate(fn)
      return {cancel: () => clearImmediate(immediate)}
    },
    rng: new SeededRng(SEED),
  }
}

/** What a client must wait before each attempt not sent at once (the first, and the one a first redirect names): the shared backoff from the same seed, the last cut at the deadline. */
function expectedPauses(count: number): number[] {
  const rng = new SeededRng(SEED)
  const pauses: number[] = []
  let elapsedMs = 0
  for (let i = 0; i < count; i++) {
    const pauseMs = Math.min(retryDelayMs(i, RETRY, rng), OP_TIMEOUT_MS - elapsedMs)
    pauses.push(pauseMs)
    elapsedMs += pauseMs
  }
  return pauses
}

type Behaviour = 'redirect' | 'unavailable'
const servers: JsonServer[] = []
const urls: string[] = []
let requests = 0
let behaviour: Behaviour = 'redirect'

beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    const server = new JsonServer({
      maxBodyBytes: 1 << 20,
      onBug: (err) => {
        throw err
      },
      routes: [
        {
          method: 'GET',
          path: '/kv/:key',
          handler: ({params}) => {
            if (++requests >= FLOOD) return {body: {key: params.key, value: 'flooded'}}
            if (behaviour === 'unavailable') throw new HttpError(503, 'no leader')
            // Each replica names the other as leader, as two replicas with stale views can during an election.
            return {status: 307, headers: {location: `${urls[1 - i]}/kv/${params.key}`}, body: {error: 'not the leader'}}
          },
        },
      ],
    })
    servers.push(server)
    urls.push(`http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`)
  }
})

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections()
    await server.close()
  }
})

async function runUntilDeadline(b: Behaviour): Promise<{error: unknown; pauses: number[]; requests: number}> {
  behaviour = b
  requests = 0
  const env = virtualEnv()
  const client = new RaftKvClient(urls, {opTimeoutMs: OP_TIMEOUT_MS, retry: RETRY, env})
  const error = await client.request('GET', '/kv/k').then(
    (answer) => answer,
    (err: unknown) => err,
  )
  await client.close()
  return {error, pauses: env.pauses, requests}
}

describe('RaftKvClient retries with the shared backoff, bounded by its deadline', () => {
  test('two replicas redirecting to each other: the first redirect is followed at once, every later one after a growing pause', async () => {
    const {error, pauses, requests} = await runUntilDeadline('redirect')
    expect(error).toBeInstanceOf(KvUnavailableError)
    expect((error as Error).message).toMatch(/no answer within 1000ms \(last: redirected to http/)
    expect(requests, 'requests in one operation of 1000 ms').toBe(pauses.length + 1)
    expect(pauses).toEqual(expectedPauses(pauses.length))
    expect(pauses.reduce((a, b) => a + b, 0)).toBe(OP_TIMEOUT_MS)
  })

  test('replicas answering 503: every retry, on the next replica, waits the same backoff', async () => {
    const {error, pauses, requests} = await runUntilDeadline('unavailable')
    expect((error as Error).message).toMatch(/last: 503 from http.*no leader/)
    expect(requests).toBe(pauses.length)
    expect(pauses).toEqual(expectedPauses(pauses.length))
  })
})
