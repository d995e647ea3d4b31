import {parseHeaderFields} from './header-fields.js'
import {HttpError} from './http-error.js'

/** What the server needs from a request's line and headers. */
export interface RequestHead {
  method: string
  /** The request target as sent: path and query. */
  target: string
  contentLength: number
  /** The connection stays open after the answer (HTTP/1.1 unless `close`; HTTP/1.0 only with `keep-alive`). */
  keepAlive: boolean
  /** The client waits for `100 Continue` before it sends the body (curl does for bodies over 1 KiB). */
  expectContinue: boolean
}

const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\s]+) HTTP\/(\d)\.(\d)$/

/**
 * Parses the head of an HTTP/1.x request (the text before the blank line),
 * strictly: anything RFC 9112 lets a server reject is rejected with an
 * HttpError rather than guessed at. Request bodies must come with
 * Content-Length; a chunked body gets 411.
 */
export function parseRequestHead(text: string): RequestHead {
  const lines = text.split('\r\n')
  const line = REQUEST_LINE.exec(lines[0])
  if (!line) throw new HttpError(400, `malformed request line "${lines[0].slice(0, 100)}"`)
  if (line[3] !== '1') throw new HttpError(505, `HTTP/${line[3]}.${line[4]} is not supported; use HTTP/1.1`)
  const fields = parseHeaderFields(lines, line[4] === '0', (message) => new HttpError(400, message))
  if (fields.transferEncoding !== undefined) throw new HttpError(411, 'chunked request bodies are not supported; send Content-Length')
  if (fields.expect !== undefined && fields.expect.toLowerCase() !== '100-continue') throw new HttpError(417, `cannot meet expectation "${fields.expect}"`)
  return {
    method: line[1],
    target: line[2],
    contentLength: fields.contentLength ?? 0,
    keepAlive: fields.keepAlive,
    expectContinue: fields.expect !== undefined,
  }
}
