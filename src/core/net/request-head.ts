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

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\s]+) HTTP\/(\d)\.(\d)$/
const DIGITS = /^\d+$/

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
  const http10 = line[4] === '0'

  let contentLength: string | undefined
  let connection = ''
  let expectContinue = false
  for (let i = 1; i < lines.length; i++) {
    const header = lines[i]
    const colon = header.indexOf(':')
    // A line starting with white space is an obsolete folded header; RFC 9112 lets servers refuse it.
    if (colon <= 0 || !TOKEN.test(header.slice(0, colon))) throw new HttpError(400, `malformed header line "${header.slice(0, 100)}"`)
    const name = header.slice(0, colon).toLowerCase()
    const value = header.slice(colon + 1).trim()
    if (name === 'content-length') {
      if (!DIGITS.test(value) || (contentLength !== undefined && contentLength !== value)) throw new HttpError(400, `bad content-length "${value}"`)
      contentLength = value
    } else if (name === 'transfer-encoding') {
      throw new HttpError(411, 'chunked request bodies are not supported; send Content-Length')
    } else if (name === 'connection') {
      connection += `,${value.toLowerCase()}`
    } else if (name === 'expect') {
      if (value.toLowerCase() !== '100-continue') throw new HttpError(417, `cannot meet expectation "${value}"`)
      expectContinue = true
    }
  }
  const tokens = connection === '' ? [] : connection.split(',').map((t) => t.trim())
  return {
    method: line[1],
    target: line[2],
    contentLength: contentLength === undefined ? 0 : Number(contentLength),
    keepAlive: http10 ? tokens.includes('keep-alive') : !tokens.includes('close'),
    expectContinue,
  }
}
