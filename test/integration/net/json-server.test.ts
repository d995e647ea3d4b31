import {connect, Socket} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {MAX_HEAD_BYTES} from '../../../src/runtime/net/http-connection.js'
import {JsonClient} from '../../../src/runtime/net/json-client.js'
import {JsonServer} from '../../../src/runtime/net/json-server.js'
import {parseBody} from '../../../src/runtime/net/validate.js'

const MAX_BODY = 4 << 20
/** A route's own limit, below the server's. */
const SMALL_BODY = 16
let port: number
let server: JsonServer
const bugs: unknown[] = []
let aborted = 0

beforeAll(async () => {
  server = new JsonServer({
    maxBodyBytes: MAX_BODY,
    // A node process exits here (fail-stop); in this test process the connection is cut instead.
    onBug: (err) => {
      bugs.push(err)
      throw err
    },
    routes: [
      {method: 'POST', path: '/echo', handler: (req) => ({body: {got: req.body ?? null}})},
      {method: 'POST', path: '/small/:name', maxBodyBytes: SMALL_BODY, handler: (req) => ({body: {got: req.body ?? null}})},
      {method: 'GET', path: '/slow/:ms', handler: async (req) => (await sleep(Number(req.params.ms)), {body: {slept: Number(req.params.ms)}})},
      {method: 'GET', path: '/items/:name', handler: (req) => ({body: {name: req.params.name}})},
      {
        method: 'GET',
        path: '/hang',
        handler: (req) =>
          new Promise((resolve) => {
            req.onAbort(() => {
              aborted++
              resolve({})
            })
          }),
      },
      {method: 'GET', path: '/boom', handler: () => Promise.reject(new Error('handler bug'))},
      {method: 'GET', path: '/invalid', handler: () => ({body: parseBody({}, {name: {type: 'string'}})})},
    ],
  })
  port = (await server.listen(0, '127.0.0.1')).port
})

afterAll(async () => {
  server.closeAllConnections()
  await server.close()
})

interface Answer {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * Writes raw bytes (optionally in pieces, optionally then FIN) and reads
 * answers until `count` have come or the server closes.
 */
async function exchange(pieces: Array<string | Buffer>, count = 1, gapMs = 0, halfClose = false): Promise<{answers: Answer[]; closed: boolean; raw: string}> {
  // Half-open on this side too: the answers after our FIN must be readable.
  const socket = connect({port, host: '127.0.0.1', allowHalfOpen: halfClose})
  await new Promise((resolve) => socket.once('connect', resolve))
  let received = Buffer.alloc(0)
  let closed = false
  socket.on('data', (chunk) => (received = Buffer.concat([received, chunk])))
  // The server's FIN: with a half-open socket of our own, 'close' waits for our end too.
  socket.on('end', () => (closed = true))
  socket.on('close', () => (closed = true))
  for (const piece of pieces) {
    socket.write(piece)
    if (gapMs > 0) await sleep(gapMs)
  }
  if (halfClose) socket.end()
  const answers: Answer[] = []
  for (let waited = 0; waited < 5000; waited += 5) {
    answers.length = 0
    parseAnswers(received, answers)
    if (answers.length >= count || closed) break
    await sleep(5)
  }
  await sleep(20)
  const result = {answers: parseAnswers(received, []), closed, raw: received.toString('latin1')}
  socket.destroy()
  return result
}

function parseAnswers(bytes: Buffer, into: Answer[]): Answer[] {
  let at = 0
  for (;;) {
    const end = bytes.indexOf('\r\n\r\n', at)
    if (end < 0) return into
    const [statusLine, ...lines] = bytes.toString('latin1', at, end).split('\r\n')
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
    const length = Number(headers['content-length'] ?? 0)
    const status = Number(statusLine.split(' ')[1])
    if (status === 100) {
      into.push({status, headers, body: ''})
      at = end + 4
      continue
    }
    if (bytes.length < end + 4 + length) return into
    into.push({status, headers, body: bytes.toString('utf8', end + 4, end + 4 + length)})
    at = end + 4 + length
  }
}

const post = (path: string, body: string, extra = '') =>
  `POST ${path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`
const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`

describe('JsonServer over HTTP/1.1', () => {
  test('pipelined requests are answered in order, a slow one holding back the ones behind it', async () => {
    const {answers, closed} = await exchange([get('/slow/50') + get('/items/b') + post('/echo', '{"n":3}')], 3)
    expect(answers.map((a) => JSON.parse(a.body))).toEqual([{slept: 50}, {name: 'b'}, {got: {n: 3}}])
    expect(closed).toBe(false)
  })

  test('a request split into single bytes is read whole', async () => {
    const text = post('/echo', '{"text":"héllo"}')
    const {answers} = await exchange([...Buffer.from(text)].map((b) => Buffer.from([b])))
    expect(JSON.parse(answers[0].body)).toEqual({got: {text: 'héllo'}})
  })

  test('a body of megabytes arriving in many chunks is read intact', async () => {
    const big = JSON.stringify({data: 'x'.repeat(3 << 20)})
    const res = await new JsonClient(`http://127.0.0.1:${port}`).request<{got: {data: string}}>('POST', '/echo', JSON.parse(big))
    expect(res.body.got.data.length).toBe(3 << 20)
  })

  test('percent-encoded path segments are decoded once', async () => {
    const {answers} = await exchange([get('/items/a%2Fb%20c')])
    expect(JSON.parse(answers[0].body)).toEqual({name: 'a/b c'})
  })

  test('Expect: 100-continue gets an interim 100 before the body is sent', async () => {
    const body = '{"big":true}'
    const {answers} = await exchange([post('/echo', '', 'Expect: 100-continue\r\n').replace('Content-Length: 0', `Content-Length: ${body.length}`), body], 2, 30)
    expect(answers.map((a) => a.status)).toEqual([100, 200])
    expect(JSON.parse(answers[1].body)).toEqual({got: {big: true}})
  })

  test('an oversize body is refused with 413 before it is read, and the connection closes', async () => {
    const {answers, closed} = await exchange([`POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: ${MAX_BODY + 1}\r\n\r\n{`])
    expect(answers[0].status).toBe(413)
    expect(JSON.parse(answers[0].body).error).toMatch(/exceeds the limit/)
    expect(closed).toBe(true)
  })

  test("a route with its own body limit refuses above it with 413, while the server's limit holds for the other routes", async () => {
    const small = await exchange([post('/small/a', '{"n":"' + 'x'.repeat(SMALL_BODY) + '"}')])
    expect(small.answers[0].status).toBe(413)
    expect(JSON.parse(small.answers[0].body).error).toMatch(`exceeds the limit of ${SMALL_BODY} bytes`)
    expect(small.closed).toBe(true)
    const {answers} = await exchange([post('/small/a', '{"n":1}') + post('/echo', JSON.stringify({n: 'x'.repeat(1000)})) + post('/small/%E0', '{}')], 3)
    expect(answers.map((a) => a.status)).toEqual([200, 200, 400])
  })

  test('a head over the size limit gets 431 and the connection closes', async () => {
    const {answers, closed} = await exchange([`GET /items/a HTTP/1.1\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`])
    expect(answers[0].status).toBe(431)
    expect(closed).toBe(true)
  })

  test.each([
    ['a malformed request line', 'HELLO THERE\r\n\r\n', 400],
    ['a chunked body', 'POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{}\n\r\n0\r\n\r\n', 411],
    ['HTTP/2.0', 'GET /items/a HTTP/2.0\r\n\r\n', 505],
  ])('%s gets a JSON error and the connection closes', async (_what, text, status) => {
    const {answers, closed} = await exchange([text])
    expect(answers[0].status).toBe(status)
    expect(JSON.parse(answers[0].body).error).toEqual(expect.any(String))
    expect(closed).toBe(true)
  })

  test('malformed JSON, unknown routes and wrong methods get 4xx and the connection stays usable', async () => {
    const {answers, closed} = await exchange([post('/echo', '{"a":') + get('/nope') + post('/items/a', '{}') + get('/items/ok')], 4)
    expect(answers.map((a) => a.status)).toEqual([400, 404, 405, 200])
    expect(answers[2].headers.allow).toBe('GET')
    expect(closed).toBe(false)
  })

  test('a handler that throws a bug goes to onBug and its request gets no answer, not a 500', async () => {
    const before = bugs.length
    const {answers, closed} = await exchange([get('/boom') + get('/items/after')], 2)
    expect(answers).toEqual([])
    expect(closed).toBe(true)
    expect(bugs.slice(before).map((e) => (e as Error).message)).toEqual(['handler bug'])
  })

  test('bad input a handler refuses is a 4xx with one line, not a bug', async () => {
    const before = bugs.length
    const {answers, closed} = await exchange([get('/invalid') + get('/items/after')], 2)
    expect(answers.map((a) => a.status)).toEqual([400, 200])
    expect(JSON.parse(answers[0].body).error).toMatch(/name/)
    expect(closed).toBe(false)
    expect(bugs).toHaveLength(before)
  })

  test('a client that half-closes right after its requests still gets every answer, then the server closes', async () => {
    const {answers, closed} = await exchange([get('/slow/50') + get('/items/b')], 2, 0, true)
    expect(answers.map((a) => JSON.parse(a.body))).toEqual([{slept: 50}, {name: 'b'}])
    expect(closed).toBe(true)
  })

  test('a long-poll whose client half-closes is cut and hears it, as one whose client is gone', async () => {
    const before = aborted
    const {answers, closed} = await exchange([get('/hang')], 1, 0, true)
    expect(answers).toEqual([])
    expect(closed).toBe(true)
    expect(aborted).toBe(before + 1)
  })

  test('Connection: close and HTTP/1.0 end the connection after the answer; HTTP/1.0 keep-alive does not', async () => {
    expect((await exchange([get('/items/a', 'Connection: close\r\n')])).closed).toBe(true)
    expect((await exchange(['GET /items/a HTTP/1.0\r\n\r\n'])).closed).toBe(true)
    const kept = await exchange(['GET /items/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'])
    expect(kept.answers[0].status).toBe(200)
    expect(kept.closed).toBe(false)
  })

  test('HEAD gets the status and headers but no body', async () => {
    const {raw} = await exchange(['HEAD /items/a HTTP/1.1\r\nHost: t\r\n\r\n'], 0, 100)
    expect(raw).toMatch(/^HTTP\/1\.1 405 /)
    expect(raw).toMatch(/content-length: [1-9]/)
    expect(raw.endsWith('\r\n\r\n')).toBe(true)
  })

  test('a client that goes away during a long-poll is heard by the handler', async () => {
    const socket: Socket = connect(port, '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(get('/hang'))
    await sleep(50)
    const before = aborted
    socket.destroy()
    for (let i = 0; i < 100 && aborted === before; i++) await sleep(10)
    expect(aborted).toBe(before + 1)
  })
})
