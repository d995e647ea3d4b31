import {connect, Socket} from 'node:net'

import {RawRequest, RawResponse} from './dispatch-request.js'
import {parseHeaderFields} from './header-fields.js'
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
  /** Every open connection, busy or idle: at most `connections`. */
  private readonly open = new Set<RawConnection>()
  private readonly idle: RawConnection[] = []
  /** Requests waiting for a connection. */
  private readonly queue: Array<{send: (c: RawConnection) => void; reject: (err: Error) => void}> = []
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

  /** Closes every connection now: requests in flight fail. */
  destroy(): Promise<void> {
    for (const c of this.open) c.destroy()
    return this.close()
  }

  private take(): RawConnection | undefined {
    const idle = this.idle.pop()
    if (idle) return idle
    if (this.open.size >= this.options.connections) return undefined
    const c = new RawConnection(connect({host: this.host, port: this.port, noDelay: true}), this)
    this.open.add(c)
    return c
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
    this.open.delete(c)
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
  /** The head of the response being read, once it has all arrived. */
  private head: ResponseHead | undefined
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
    try {
      this.head ??= parseResponseHead(this.pending)
    } catch (err) {
      return this.fail(err as Error)
    }
    const head = this.head
    if (!head || this.pending.length < head.end) return
    if (this.pending.length > head.end) return this.fail(new HttpClientError('bytes after the response: the server answered something not asked'))
    const res = new RawResponse(head.status, this.pending.subarray(head.bodyStart), head.rawHeaders)
    this.pending = EMPTY
    this.head = undefined
    const ex = this.end()!
    if (head.close) this.destroy()
    else {
      // An idle connection does not keep the process alive, as with undici.
      this.socket.unref()
      this.pool.reusable(this)
    }
    ex.resolve(res)
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

/** A response's status line and headers, read once; its body may still be arriving. */
interface ResponseHead {
  status: number
  rawHeaders: string[]
  bodyStart: number
  /** Where the response ends in the buffer. */
  end: number
  /** The server will close the connection after it. */
  close: boolean
}

/** The head of the response at the start of `buf`, or undefined while incomplete. */
function parseResponseHead(buf: Buffer): ResponseHead | undefined {
  const headEnd = buf.indexOf(HEAD_END)
  if (headEnd < 0) {
    if (buf.length > MAX_HEAD_BYTES) throw new HttpClientError(`response head over ${MAX_HEAD_BYTES} bytes`)
    return undefined
  }
  const lines = buf.toString('latin1', 0, headEnd).split('\r\n')
  const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0])
  if (!statusLine) throw new HttpClientError(`malformed status line: ${JSON.stringify(lines[0].slice(0, 80))}`)
  const fields = parseHeaderFields(lines, statusLine[1] === '0', (message) => new HttpClientError(message))
  if (fields.transferEncoding !== undefined) throw new HttpClientError(`unsupported transfer-encoding: ${fields.transferEncoding}`)
  const status = Number(statusLine[2])
  if (status < 200) throw new HttpClientError(`unexpected interim response ${status}`)
  if (fields.contentLength === undefined && status !== 204 && status !== 304) throw new HttpClientError(`response ${status} without content-length`)
  const bodyStart = headEnd + HEAD_END.length
  return {status, rawHeaders: fields.raw, bodyStart, end: bodyStart + (fields.contentLength ?? 0), close: !fields.keepAlive}
}
