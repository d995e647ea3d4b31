import {connect, Socket} from 'node:net'

import {RawRequest, RawResponse} from './dispatch-request.js'
import {MAX_HEAD_BYTES} from './http-connection.js'

/** A response the client cannot read, or a connection that failed under a request. */
export class HttpClientError extends Error {
  override name = 'HttpClientError'
}

export interface RawHttpClientOptions {
  /** Keep-alive connections at most; requests beyond them wait for one to come free. */
  connections: number
  /** Bound on waiting for the whole response, unless a request passes its own. */
  timeoutMs: number
}

interface Exchange {
  resolve: (res: RawResponse) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

const HEAD_END = Buffer.from('\r\n\r\n')
const EMPTY: Buffer = Buffer.alloc(0)

/**
 * An HTTP/1.1 keep-alive client on raw sockets, one request at a time per
 * connection, for the load driver's serial hot path. undici spends about
 * 30 µs more CPU per request and an extra event-loop turn before each request
 * on a reused socket (its idle-socket validation); on one contended lock,
 * whose handoffs run one after another through the driver, that halved the
 * acquisitions/s and doubled the p99.9 the benchmark reported about the
 * server. It reads only what dsys servers send: a status line, headers and
 * a content-length body; anything else is an error, never a guess.
 */
export class RawHttpClient {
  private readonly host: string
  private readonly port: number
  private readonly hostHeader: string
  private readonly idle: RawConnection[] = []
  /** Requests waiting for a connection: at most `connections` are open. */
  private readonly queue: Array<{send: (c: RawConnection) => void; reject: (err: Error) => void}> = []
  private open = 0
  private closed = false

  constructor(
    baseUrl: string,
    private readonly options: RawHttpClientOptions,
  ) {
    const url = new URL(baseUrl)
    if (url.protocol !== 'http:') throw new HttpClientError(`unsupported protocol ${url.protocol} in ${baseUrl}: only http`)
    this.host = url.hostname.replace(/^\[|\]$/g, '')
    this.port = Number(url.port || 80)
    this.hostHeader = url.host
  }

  request(req: RawRequest): Promise<RawResponse> {
    if (this.closed) return Promise.reject(new HttpClientError('client is closed'))
    let text = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n`
    if (req.body !== undefined) text += `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(req.body)}\r\n`
    if (req.headers) for (const name in req.headers) text += `${name}: ${req.headers[name]}\r\n`
    text += req.body === undefined ? '\r\n' : '\r\n' + req.body
    return new Promise((resolve, reject) => {
      const send = (c: RawConnection): void => c.send(text, req.headersTimeoutMs ?? this.options.timeoutMs, req.signal, resolve, reject)
      const c = this.take()
      if (c) send(c)
      else this.queue.push({send, reject})
    })
  }

  /** Closes idle connections now and busy ones as their answers arrive; waiting and later requests fail. */
  close(): Promise<void> {
    this.closed = true
    for (const c of this.idle.splice(0)) c.destroy()
    for (const waiting of this.queue.splice(0)) waiting.reject(new HttpClientError('client is closed'))
    return Promise.resolve()
  }

  private take(): RawConnection | undefined {
    const idle = this.idle.pop()
    if (idle) return idle
    if (this.open >= this.options.connections) return undefined
    this.open++
    return new RawConnection(connect({host: this.host, port: this.port, noDelay: true}), this)
  }

  /** A connection finished its exchange and can carry the next one. */
  reusable(c: RawConnection): void {
    if (this.closed) return c.destroy()
    const waiting = this.queue.shift()
    if (waiting) waiting.send(c)
    else this.idle.push(c)
  }

  /** A connection closed, idle or not: a waiting request may open another. */
  closedConnection(c: RawConnection): void {
    this.open--
    const i = this.idle.indexOf(c)
    if (i >= 0) this.idle.splice(i, 1)
    if (this.closed || this.queue.length === 0) return
    const next = this.take()
    if (next) this.queue.shift()!.send(next)
  }
}

/** One keep-alive socket and the exchange on it. */
class RawConnection {
  private exchange: Exchange | undefined
  private pending: Buffer = EMPTY
  private dead = false

  constructor(
    private readonly socket: Socket,
    private readonly pool: RawHttpClient,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (err) => this.fail(new HttpClientError(`connection failed: ${err.message}`)))
    socket.on('close', () => {
      this.fail(new HttpClientError('connection closed before the response was complete'))
      this.pool.closedConnection(this)
    })
  }

  send(text: string, timeoutMs: number, signal: AbortSignal | undefined, resolve: (res: RawResponse) => void, reject: (err: Error) => void): void {
    if (this.dead || signal?.aborted) {
      // Dropped unused: its close hands a waiting request a fresh connection.
      this.destroy()
      return reject(new HttpClientError(signal?.aborted ? 'request aborted' : 'connection closed before the request was sent'))
    }
    const timer = setTimeout(() => this.fail(new HttpClientError(`no complete response within ${timeoutMs} ms`)), timeoutMs)
    let onAbort: (() => void) | undefined
    if (signal) {
      onAbort = () => this.fail(new HttpClientError('request aborted'))
      signal.addEventListener('abort', onAbort, {once: true})
    }
    this.exchange = {resolve, reject, timer, signal, onAbort}
    this.socket.ref()
    this.socket.write(text)
  }

  destroy(): void {
    this.dead = true
    this.socket.destroy()
  }

  private onData(chunk: Buffer): void {
    if (!this.exchange) return this.fail(new HttpClientError('response without a request'))
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    let parsed: ParsedResponse | undefined
    try {
      parsed = parseResponse(this.pending)
    } catch (err) {
      return this.fail(err as Error)
    }
    if (!parsed) return
    if (parsed.end !== this.pending.length) return this.fail(new HttpClientError('bytes after the response: the server answered something not asked'))
    this.pending = EMPTY
    const ex = this.end()!
    if (parsed.close) this.destroy()
    else {
      // An idle connection does not keep the process alive, as with undici.
      this.socket.unref()
      this.pool.reusable(this)
    }
    ex.resolve(parsed.res)
  }

  /** Ends the exchange on the connection, if any, and the connection with it. */
  private fail(err: Error): void {
    this.destroy()
    this.end()?.reject(err)
  }

  private end(): Exchange | undefined {
    const ex = this.exchange
    if (!ex) return undefined
    this.exchange = undefined
    clearTimeout(ex.timer)
    if (ex.onAbort) ex.signal!.removeEventListener('abort', ex.onAbort)
    return ex
  }
}

interface ParsedResponse {
  res: RawResponse
  /** Where the response ends in the buffer. */
  end: number
  /** The server will close the connection after it. */
  close: boolean
}

/** The response at the start of `buf`, or undefined while incomplete. */
function parseResponse(buf: Buffer): ParsedResponse | undefined {
  const headEnd = buf.indexOf(HEAD_END)
  if (headEnd < 0) {
    if (buf.length > MAX_HEAD_BYTES) throw new HttpClientError(`response head over ${MAX_HEAD_BYTES} bytes`)
    return undefined
  }
  const lines = buf.toString('latin1', 0, headEnd).split('\r\n')
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0])
  if (!status) throw new HttpClientError(`malformed status line: ${JSON.stringify(lines[0].slice(0, 80))}`)
  let length: number | undefined
  let close = lines[0].startsWith('HTTP/1.0')
  const rawHeaders: string[] = []
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':')
    if (colon <= 0) throw new HttpClientError(`malformed header line: ${JSON.stringify(lines[i].slice(0, 80))}`)
    const name = lines[i].slice(0, colon).trim().toLowerCase()
    const value = lines[i].slice(colon + 1).trim()
    rawHeaders.push(name, value)
    if (name === 'content-length') {
      if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) throw new HttpClientError(`bad content-length: ${JSON.stringify(value)}`)
      length = Number(value)
    } else if (name === 'transfer-encoding') {
      throw new HttpClientError(`unsupported transfer-encoding: ${value}`)
    } else if (name === 'connection') {
      const tokens = value.toLowerCase().split(',').map((t) => t.trim())
      if (tokens.includes('close')) close = true
      else if (tokens.includes('keep-alive')) close = false
    }
  }
  const code = Number(status[1])
  if (code < 200) throw new HttpClientError(`unexpected interim response ${code}`)
  if (length === undefined) {
    if (code !== 204 && code !== 304) throw new HttpClientError(`response ${code} without content-length`)
    length = 0
  }
  const end = headEnd + HEAD_END.length + length
  if (buf.length < end) return undefined
  return {res: new RawResponse(code, buf.subarray(headEnd + HEAD_END.length, end), rawHeaders), end, close}
}
