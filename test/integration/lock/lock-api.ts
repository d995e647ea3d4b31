import {connect} from 'node:net'

import {afterAll, beforeAll, describe, expect, test, vi} from 'vitest'

import {JsonClient} from '../../../src/runtime/net/json-client.js'

async function raw(url: string, method: string, path: string, body: string): Promise<{status: number; body: Record<string, unknown>}> {
  const res = await fetch(url + path, {method, body, headers: {'content-type': 'application/json'}})
  return {status: res.status, body: (await res.json()) as Record<string, unknown>}
}

/**
 * DESIGN.md's lock API as every node that serves it must behave: the lock
 * server, and a lock replica (`url` then names its leader). The same bad
 * input is refused the same way by both.
 */
export function describeLockApi(kind: string, url: () => string): void {
  describe(`${kind} HTTP API`, () => {
    let http: JsonClient
    beforeAll(() => {
      http = new JsonClient(url(), {connections: 4})
    })
    afterAll(async () => {
      await http.close()
    })

    test('bad input gets a clear 4xx and changes nothing; the server keeps serving', async () => {
      const grant = await http.request<{token: number}>('POST', '/locks/bad/acquire', {owner: 'alice', ttlMs: 2000, waitMs: 0})
      expect(grant.status).toBe(200)
      const before = (await http.request('GET', '/locks/bad')).body

      const cases: Array<[string, string, string, number, RegExp]> = [
        ['POST', '/locks/bad/release', '{"owner": "alice", "token":', 400, /malformed JSON/],
        ['POST', '/locks/bad/release', JSON.stringify({owner: 'alice', token: grant.body.token, extra: 1}), 400, /unknown field "extra"/],
        ['POST', '/locks/bad/release', JSON.stringify({owner: 'alice', token: 'one'}), 400, /must be an integer/],
        ['POST', '/locks/bad/release', JSON.stringify({owner: 'alice', token: grant.body.token + 1}), 409, /does not hold/],
        ['POST', '/locks/bad/release', JSON.stringify({owner: 'mallory', token: grant.body.token}), 409, /does not hold/],
        ['POST', '/locks/bad/renew', JSON.stringify({owner: 'mallory', token: grant.body.token, ttlMs: 1000}), 409, /does not hold/],
        ['POST', '/locks/bad/acquire', JSON.stringify({owner: 'x'.repeat(100_000), ttlMs: 1, waitMs: 0}), 413, /exceeds the limit/],
        ['POST', '/locks/bad/acquire', JSON.stringify({owner: 'bob', ttlMs: 0, waitMs: 0}), 400, /ttlMs.*>= 1/],
        ['POST', '/locks/bad/acquire', '[1,2]', 400, /must be a JSON object/],
        ['GET', '/nope', '', 404, /no route/],
        ['DELETE', '/locks/bad', '', 405, /not allowed/],
      ]
      for (const [method, path, body, status, message] of cases) {
        const res = await raw(url(), method, path, method === 'GET' || method === 'DELETE' ? (undefined as unknown as string) : body)
        expect(res.status, `${method} ${path} ${body.slice(0, 60)}`).toBe(status)
        expect(res.body.error).toMatch(message)
      }
      expect((await http.request('GET', '/locks/bad')).body).toEqual(before)
      expect((await http.request('GET', '/health')).status).toBe(200)
      expect((await http.request('POST', '/locks/bad/release', {owner: 'alice', token: grant.body.token})).status).toBe(200)
    })

    test('a waiting acquire is granted the moment the holder releases', async () => {
      const first = await http.request<{token: number}>('POST', '/locks/q/acquire', {owner: 'a', ttlMs: 2000, waitMs: 0})
      const sentAt = performance.now()
      const waiting = http.request<{token: number; waitedMs: number}>('POST', '/locks/q/acquire', {owner: 'b', ttlMs: 2000, waitMs: 10_000})
      // Released only once the server says b is queued, whenever that is.
      await vi.waitFor(async () => expect((await http.request<{waiting: number}>('GET', '/locks/q')).body.waiting).toBe(1))
      await http.request('POST', '/locks/q/release', {owner: 'a', token: first.body.token})
      const granted = await waiting
      const grantedAt = performance.now()
      expect(granted.status).toBe(200)
      expect(granted.body.token).toBeGreaterThan(first.body.token)
      // b's wait, as the server measured it, lies inside what the client saw: from b's request to its grant.
      expect(granted.body.waitedMs).toBeGreaterThan(0)
      expect(granted.body.waitedMs).toBeLessThanOrEqual(grantedAt - sentAt)
      expect((await http.request('POST', '/locks/q/release', {owner: 'b', token: granted.body.token})).status).toBe(200)
    })

    test('a waiter whose client goes away leaves the queue and is never granted', async () => {
      const first = await http.request<{token: number}>('POST', '/locks/gone/acquire', {owner: 'a', ttlMs: 2000, waitMs: 0})
      const socket = connect(Number(new URL(url()).port), '127.0.0.1')
      await new Promise((resolve) => socket.once('connect', resolve))
      const body = JSON.stringify({owner: 'leaver', ttlMs: 2000, waitMs: 60_000})
      socket.write(`POST /locks/gone/acquire HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`)
      const waiting = async () => (await http.request<{waiting: number}>('GET', '/locks/gone')).body.waiting
      await vi.waitFor(async () => expect(await waiting()).toBe(1))

      socket.destroy()
      await vi.waitFor(async () => expect(await waiting()).toBe(0))
      // Had the leaver stayed queued, it would now hold the lock, and this acquire would time out.
      await http.request('POST', '/locks/gone/release', {owner: 'a', token: first.body.token})
      const next = await http.request<{token: number}>('POST', '/locks/gone/acquire', {owner: 'c', ttlMs: 1000, waitMs: 0})
      expect(next.status).toBe(200)
      expect((await http.request('POST', '/locks/gone/release', {owner: 'c', token: next.body.token})).status).toBe(200)
    })
  })
}
