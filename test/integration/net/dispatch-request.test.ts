import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

import {Pool} from 'undici'
import {afterAll, beforeAll, expect, test} from 'vitest'

import {dispatchRequest} from '../../../src/runtime/net/dispatch-request.js'

let server: Server
let pool: Pool
let arrived: () => void = () => {}

beforeAll(async () => {
  // Never answers: only an abort or a timeout ends a request.
  server = createServer(() => arrived())
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})

afterAll(async () => {
  await pool.destroy()
  server.closeAllConnections()
  await new Promise((done) => server.close(done))
})

test('an aborted signal ends a request that the server has not answered, long before its headers timeout', async () => {
  const aborter = new AbortController()
  arrived = () => aborter.abort()
  // Without the abort the request would end at its headers timeout, after the test's own timeout, and not as an AbortError.
  await expect(dispatchRequest(pool, {method: 'GET', path: '/', signal: aborter.signal, headersTimeoutMs: 10_000})).rejects.toMatchObject({name: 'AbortError'})
})

test('a signal aborted before the request is sent refuses it at once', async () => {
  await expect(dispatchRequest(pool, {method: 'GET', path: '/', signal: AbortSignal.abort(), headersTimeoutMs: 10_000})).rejects.toMatchObject({name: 'AbortError'})
})
