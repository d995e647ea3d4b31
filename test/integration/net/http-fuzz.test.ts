import {connect} from 'node:net'

import fc from 'fast-check'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {JsonClient} from '../../../src/runtime/net/json-client.js'
import {JsonServer} from '../../../src/runtime/net/json-server.js'

/**
 * The HTTP layer is hand-written (src/runtime/net/http-connection.ts), so it is
 * fuzzed: valid pipelined requests with random bytes flipped, inserted,
 * deleted or cut, sent in random pieces, then FIN. Whatever arrives, the
 * server must answer only with well-formed responses of the statuses it
 * documents (never a 500, which would mean the parser let garbage reach a
 * handler or threw), answer every request that arrived whole before the
 * first changed byte — also when its answer was still pending at the FIN —
 * and keep serving. Seeded, so a failure replays.
 */

const MAX_BODY = 64 * 1024
const DOCUMENTED = new Set([100, 200, 400, 404, 405, 411, 413, 417, 431, 505])
let port: number
let server: JsonServer
const internalErrors: unknown[] = []

beforeAll(async () => {
  server = new JsonServer({
    maxBodyBytes: MAX_BODY,
    onBug: (err) => {
      internalErrors.push(err)
      throw err
    },
    routes: [
      {method: 'POST', path: '/echo', handler: (req) => ({body: {got: req.body ?? null}})},
      // Answers a turn of the event loop later, as a node does after a disk write or a peer round: still pending at the client's FIN.
      {method: 'GET', path: '/items/:name', handler: async (req) => (await new Promise((resolve) => setImmediate(resolve)), {body: {name: req.params.name}})},
    ],
  })
  port = (await server.listen(0, '127.0.0.1')).port
})

afterAll(async () => {
  server.closeAllConnections()
  await server.close()
})

const post = (body: string) => `POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
const get = (name: string) => `GET /items/${encodeURIComponent(name)} HTTP/1.1\r\nHost: t\r\n\r\n`

/** A request, the final status it is owed, and whether that answer closes the connection. */
interface Request {
  text: string
  status: number
  closes: boolean
}

const request: fc.Arbitrary<Request> = fc.oneof(
  fc.jsonValue({maxDepth: 2}).map((v) => ({text: post(JSON.stringify(v) ?? 'null'), status: 200, closes: false})),
  // `/items/` has no name segment: no route.
  fc.string({maxLength: 12}).map((name) => ({text: get(name), status: name === '' ? 404 : 200, closes: false})),
  // Requests that take the parser's rarer paths before any mutation.
  fc.constantFrom(
    {text: 'GET /items/old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', status: 200, closes: false},
    {text: 'GET /items/new HTTP/2.0\r\n\r\n', status: 505, closes: true},
    {text: `POST /echo HTTP/1.1\r\nContent-Length: ${MAX_BODY + 1}\r\n\r\n`, status: 413, closes: true},
    {text: 'POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}', status: 200, closes: false},
    {text: 'HEAD /items/h HTTP/1.1\r\n\r\n', status: 405, closes: false},
  ),
)

/** The final statuses owed to the requests that lie whole within the first `intactBytes` bytes, up to the first that closes. */
function owedStatuses(requests: Request[], intactBytes: number): number[] {
  const owed: number[] = []
  let end = 0
  for (const r of requests) {
    end += Buffer.byteLength(r.text)
    if (end > intactBytes) break
    owed.push(r.status)
    if (r.closes) break
  }
  return owed
}

function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return n
}

/** Fragments that sit near the parser's edges. */
const TRICKY = [
  '\r\n', '\r\n\r\n', '\n', '\r', ':', ' ', '\t', '\0', 'HTTP/1.0', 'HTTP/2.0', '%', '%zz',
  'Content-Length: 99999999\r\n', 'Content-Length: -1\r\n', 'Content-Length: 5\r\nContent-Length: 6\r\n',
  'Transfer-Encoding: chunked\r\n', 'Expect: 100-continue\r\n', 'Expect: magic\r\n', 'Connection: close\r\n',
  ' folded\r\n', `X-Big: ${'x'.repeat(17 * 1024)}\r\n`,
].map((s) => Buffer.from(s, 'latin1'))

type Mutation =
  | {kind: 'flip'; at: number; byte: number}
  | {kind: 'insert'; at: number; bytes: Uint8Array}
  | {kind: 'delete'; at: number; length: number}
  | {kind: 'cut'; at: number}
  | {kind: 'header'; at: number; line: Uint8Array}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({min: 0, max: 255})}),
  fc.record({kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.oneof(fc.constantFrom(...TRICKY), fc.uint8Array({minLength: 1, maxLength: 8}))}),
  fc.record({kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({min: 1, max: 8})}),
  fc.record({kind: fc.constant('cut' as const), at: fc.nat()}),
  // A fragment at a line start, where header lines begin: random positions rarely land there.
  fc.record({kind: fc.constant('header' as const), at: fc.nat(), line: fc.constantFrom(...TRICKY)}),
)

function mutate(bytes: Buffer, m: Mutation): Buffer {
  const at = m.at % (bytes.length + 1)
  switch (m.kind) {
    case 'flip':
      return at < bytes.length ? Buffer.concat([bytes.subarray(0, at), Buffer.from([m.byte]), bytes.subarray(at + 1)]) : bytes
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)])
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)])
    case 'cut':
      return bytes.subarray(0, at)
    case 'header': {
      const lineEnd = bytes.indexOf('\r\n', at)
      const start = lineEnd < 0 ? bytes.length : lineEnd + 2
      return Buffer.concat([bytes.subarray(0, start), m.line, bytes.subarray(start)])
    }
  }
}

/** Sends `pieces`, half-closes, and collects every byte until the server closes. */
function exchange(pieces: Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const received: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error('the server neither answered nor closed within 5 s'))
    }, 5000)
    socket.on('data', (chunk) => received.push(chunk))
    // The server may close before reading everything (a refused request): a reset is an ending too.
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(received))
    })
    socket.once('connect', () => {
      for (const piece of pieces) socket.write(piece)
      socket.end()
    })
  })
}

/** The statuses of the responses in `bytes`; throws if any is malformed. */
function responseStatuses(bytes: Buffer): number[] {
  const statuses: number[] = []
  let at = 0
  while (at < bytes.length) {
    const end = bytes.indexOf('\r\n\r\n', at)
    if (end < 0) throw new Error(`a response head without its end: ${JSON.stringify(bytes.toString('latin1', at, at + 200))}`)
    const [statusLine, ...lines] = bytes.toString('latin1', at, end).split('\r\n')
    const status = /^HTTP\/1\.1 (\d{3}) [^\r\n]*$/.exec(statusLine)
    if (!status) throw new Error(`a malformed status line: ${JSON.stringify(statusLine)}`)
    statuses.push(Number(status[1]))
    if (status[1] === '100') {
      at = end + 4
      continue
    }
    const length = lines.find((l) => /^content-length: \d+$/i.test(l))
    if (!length) throw new Error(`a response without content-length: ${JSON.stringify(lines)}`)
    const next = end + 4 + Number(length.split(':')[1])
    const startsResponse = (i: number) => i === bytes.length || bytes.toString('latin1', i, i + 9) === 'HTTP/1.1 '
    if (startsResponse(next)) at = next
    // A HEAD answer has no body: what follows its head is the next response.
    else if (startsResponse(end + 4)) at = end + 4
    else throw new Error(`a body that does not match its content-length at byte ${end + 4}`)
  }
  return statuses
}

describe('the HTTP layer under fuzzed input', () => {
  test('mangled pipelined requests get only well-formed, documented answers, and the server keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(request, {minLength: 1, maxLength: 3}),
        fc.array(mutation, {minLength: 1, maxLength: 4}),
        fc.array(fc.nat(), {maxLength: 4}),
        async (requests, mutations, cuts) => {
          internalErrors.length = 0
          const original = Buffer.from(requests.map((r) => r.text).join(''), 'utf8')
          const bytes = mutations.reduce(mutate, original)
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
          const pieces = [0, ...points].map((from, i) => bytes.subarray(from, [...points, bytes.length][i])).filter((p) => p.length > 0)
          const statuses = responseStatuses(await exchange(pieces))
          for (const status of statuses) expect(DOCUMENTED, `status ${status}`).toContain(status)
          const owed = owedStatuses(requests, firstDifference(original, bytes))
          const finals = statuses.filter((s) => s !== 100)
          expect(finals.slice(0, owed.length), 'the answers to the requests that arrived whole, in order').toEqual(owed)
          expect(internalErrors).toEqual([])
        },
      ),
      {numRuns: 1000, seed: 20261124},
    )
    const client = new JsonClient(`http://127.0.0.1:${port}`)
    expect((await client.request('POST', '/echo', {still: 'serving'})).body).toEqual({got: {still: 'serving'}})
    await client.close()
  })

  test('the response parser of this test rejects a malformed answer', () => {
    expect(() => responseStatuses(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nab'))).toThrow(/does not match its content-length/)
    expect(() => responseStatuses(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'))).toThrow(/content-length/)
    expect(() => responseStatuses(Buffer.from('HTTP/1.1 2x0 OK\r\ncontent-length: 0\r\n\r\n'))).toThrow(/status line/)
    expect(responseStatuses(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}'))).toEqual([100, 200])
  })
})
