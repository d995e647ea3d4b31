import {execFile} from 'node:child_process'
import {createServer, Server, Socket} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'
import {promisify} from 'node:util'

import {afterAll, afterEach, beforeAll, describe, expect, test} from 'vitest'

import {JsonClient} from '../../../src/runtime/net/json-client.js'
import {JsonServer} from '../../../src/runtime/net/json-server.js'
import {RawHttpClient} from '../../../src/runtime/net/raw-http-client.js'

const run = promisify(execFile)

describe('raw HTTP client against the dsys JSON server', () => {
  let server: JsonServer
  let url: string

  beforeAll(async () => {
    server = new JsonServer({
      maxBodyBytes: 1 << 20,
      onBug: (err) => {
        throw err
      },
      routes: [
        {method: 'POST', path: '/echo', handler: (req) => ({body: {got: req.body ?? null}})},
        {method: 'GET', path: '/slow/:ms', handler: async (req) => (await sleep(Number(req.params.ms)), {body: {slept: Number(req.params.ms)}})},
        {method: 'GET', path: '/moved', handler: () => ({status: 307, headers: {location: '/elsewhere'}, body: {}})},
      ],
    })
    url = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`
  })

  afterAll(async () => {
    server.closeAllConnections()
    await server.close()
  })

  test('JSON bodies, statuses and headers come back as undici brings them', async () => {
    for (const transport of ['raw', 'undici'] as const) {
      const client = new JsonClient(url, {transport, connections: 2})
      const body = {name: 'ünïcode ✓', n: [1, 2, 3]}
      expect((await client.request('POST', '/echo', body)).body).toEqual({got: body})
      const missing = await client.request<{error: string}>('GET', '/nowhere')
      expect(missing.status).toBe(404)
      expect(missing.body.error).toMatch(/nowhere/)
      const moved = await client.request('GET', '/moved')
      expect([moved.status, moved.raw.header('location')]).toEqual([307, '/elsewhere'])
      await client.close()
    }
  })

  test('idle keep-alive connections do not keep the process alive', async () => {
    // The built module: the child is plain node.
    const module = new URL('../../../dist/src/runtime/net/raw-http-client.js', import.meta.url).href
    const script = `import('${module}').then(async ({RawHttpClient}) => {
      const client = new RawHttpClient('${url}', {connections: 1, timeoutMs: 2000})
      console.log((await client.request({method: 'POST', path: '/echo', body: '{}'})).status)
    })`
    const {stdout} = await run(process.execPath, ['-e', script], {timeout: 10_000})
    expect(stdout.trim()).toBe('200')
  })

  test('requests beyond the connection limit wait for a free connection and all complete', async () => {
    const client = new JsonClient(url, {transport: 'raw', connections: 2})
    const answers = await Promise.all(Array.from({length: 12}, (_, i) => client.request<{slept: number}>('GET', `/slow/${i % 3}`)))
    expect(answers.map((a) => a.body.slept)).toEqual(Array.from({length: 12}, (_, i) => i % 3))
    await client.close()
  })
})

/** A server that answers each request with whatever `answer` returns for it, and counts connections. */
class ScriptedServer {
  connections = 0
  private readonly server: Server
  private readonly sockets = new Set<Socket>()

  constructor(private readonly answer: (request: string, socket: Socket) => void) {
    this.server = createServer((socket) => {
      this.connections++
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
      let buf = ''
      socket.on('data', (chunk) => {
        buf += chunk.toString('latin1')
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const length = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0)
        if (buf.length < end + 4 + length) return
        const request = buf.slice(0, end + 4 + length)
        buf = buf.slice(request.length)
        this.answer(request, socket)
      })
    })
  }

  async url(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.server.address() as {port: number}).port}`
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise((resolve) => this.server.close(resolve))
  }
}

const ok = (body: string, extra = ''): string => `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`

describe('raw HTTP client against a scripted server', () => {
  let scripted: ScriptedServer | undefined
  afterEach(async () => {
    await scripted?.close()
    scripted = undefined
  })

  async function start(answer: (request: string, socket: Socket) => void): Promise<RawHttpClient> {
    scripted = new ScriptedServer(answer)
    return new RawHttpClient(await scripted.url(), {connections: 1, timeoutMs: 2_000})
  }

  test('a response that arrives a byte at a time is read whole, and the connection is reused', async () => {
    const client = await start((request, socket) => {
      const text = ok(JSON.stringify({path: request.split(' ')[1]}), 'x-extra: yes\r\n')
      let i = 0
      const next = (): void => {
        if (i < text.length) socket.write(text[i++], () => setImmediate(next))
      }
      next()
    })
    for (const path of ['/a', '/b']) {
      const res = await client.request({method: 'GET', path})
      expect(JSON.parse(res.body.toString())).toEqual({path})
      expect(res.header('x-extra')).toBe('yes')
    }
    expect(scripted!.connections).toBe(1)
  })

  test('the request carries its body, content length and host', async () => {
    let seen = ''
    const client = await start((request, socket) => {
      seen = request
      socket.write(ok('{}'))
    })
    await client.request({method: 'POST', path: '/p', body: '{"k":"é"}'})
    expect(seen).toMatch(/^POST \/p HTTP\/1\.1\r\n/)
    expect(seen).toMatch(/\r\nhost: 127\.0\.0\.1:\d+\r\n/)
    expect(seen).toMatch(/\r\ncontent-length: 10\r\n/)
    expect(seen.endsWith('\r\n\r\n{"k":"\u00c3\u00a9"}')).toBe(true)
  })

  test('connection: close is honoured: the next request opens a new connection', async () => {
    const client = await start((_request, socket) => {
      socket.write(ok('{}', 'connection: close\r\n'))
      socket.end()
    })
    await client.request({method: 'GET', path: '/'})
    await client.request({method: 'GET', path: '/'})
    expect(scripted!.connections).toBe(2)
  })

  test('a server that never answers times the request out, and the next request gets a fresh connection', async () => {
    let silent = true
    const client = await start((_request, socket) => {
      if (!silent) socket.write(ok('{"late":false}'))
    })
    await expect(client.request({method: 'GET', path: '/', headersTimeoutMs: 50})).rejects.toThrow(/no complete response within 50 ms/)
    silent = false
    expect(JSON.parse((await client.request({method: 'GET', path: '/'})).body.toString())).toEqual({late: false})
    expect(scripted!.connections).toBe(2)
  })

  test('a connection closed mid-response fails its request', async () => {
    const client = await start((_request, socket) => {
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"cut')
    })
    await expect(client.request({method: 'GET', path: '/'})).rejects.toThrow(/closed before the response was complete/)
  })

  test('an idle connection the server closed is replaced, not written to', async () => {
    const client = await start((_request, socket) => {
      socket.write(ok('{}'))
      setTimeout(() => socket.destroy(), 5)
    })
    await client.request({method: 'GET', path: '/'})
    await sleep(50)
    await client.request({method: 'GET', path: '/'})
    expect(scripted!.connections).toBe(2)
  })

  test.each([
    ['chunked encoding', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n', /unsupported transfer-encoding: chunked/],
    ['no content-length', 'HTTP/1.1 200 OK\r\n\r\n{}', /200 without content-length/],
    ['a bad content-length', 'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n', /bad content-length: "-1"/],
    ['a malformed status line', 'HTTP/2 200\r\ncontent-length: 0\r\n\r\n', /malformed status line/],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nbogus\r\ncontent-length: 0\r\n\r\n', /malformed header line: "bogus"/],
    ['bytes after the response', `${ok('{}')}HTTP/1.1 200 OK\r\n`, /bytes after the response/],
    ['an endless head', `HTTP/1.1 200 OK\r\n${'x-pad: y\r\n'.repeat(4000)}`, /response head over \d+ bytes/],
  ])('a response with %s is an error, not a guess', async (_what, text, error) => {
    const client = await start((_request, socket) => socket.write(text))
    await expect(client.request({method: 'GET', path: '/'})).rejects.toThrow(error)
  })

  test('a server that is not there fails the request with the reason', async () => {
    const gone = new ScriptedServer(() => {})
    const url = await gone.url()
    await gone.close()
    const client = new RawHttpClient(url, {connections: 1, timeoutMs: 1_000})
    await expect(client.request({method: 'GET', path: '/'})).rejects.toThrow(/connection failed: connect ECONNREFUSED/)
  })

  test('an aborted request fails and frees its connection for the next', async () => {
    const client = await start((request, socket) => {
      if (!request.startsWith('GET /hang')) socket.write(ok('{}'))
    })
    const abort = new AbortController()
    const hanging = client.request({method: 'GET', path: '/hang', signal: abort.signal})
    const queued = client.request({method: 'GET', path: '/after'})
    abort.abort()
    await expect(hanging).rejects.toThrow(/request aborted/)
    expect((await queued).status).toBe(200)
  })

  test('destroy fails the request in flight at once', async () => {
    const client = await start(() => {})
    const inFlight = client.request({method: 'GET', path: '/', headersTimeoutMs: 5_000})
    await sleep(20)
    await client.destroy()
    await expect(inFlight).rejects.toThrow(/connection closed before the response was complete/)
  })

  test('close fails waiting and later requests', async () => {
    const client = await start(() => {})
    const first = client.request({method: 'GET', path: '/', headersTimeoutMs: 200})
    const waiting = client.request({method: 'GET', path: '/'})
    await client.close()
    await expect(waiting).rejects.toThrow(/client is closed/)
    await expect(client.request({method: 'GET', path: '/'})).rejects.toThrow(/client is closed/)
    await expect(first).rejects.toThrow()
  })
})
