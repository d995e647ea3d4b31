/** What either end of an HTTP/1.1 connection reads from a message's header lines. */
export interface HeaderFields {
  /** Name, value, name, value...: names lower-cased, values trimmed. */
  raw: string[]
  contentLength: number | undefined
  transferEncoding: string | undefined
  expect: string | undefined
  /** The connection stays open after this message: HTTP/1.1 unless `close`, HTTP/1.0 only with `keep-alive`. */
  keepAlive: boolean
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const DIGITS = /^\d+$/

/**
 * Reads the header lines of a request or response head (`lines[0]` is its
 * start line), strictly: a malformed line or Content-Length is refused with
 * the error `refuse` makes, never guessed at. What a field means for the
 * message (a chunked body, an expectation) is the caller's to judge.
 */
export function parseHeaderFields(lines: string[], http10: boolean, refuse: (message: string) => Error): HeaderFields {
  const raw: string[] = []
  let contentLength: string | undefined
  let transferEncoding: string | undefined
  let expect: string | undefined
  let connection = ''
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]
    const colon = line.indexOf(':')
    // A line starting with white space is an obsolete folded header; RFC 9112 lets a recipient refuse it.
    if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) throw refuse(`malformed header line: ${JSON.stringify(line.slice(0, 80))}`)
    const name = line.slice(0, colon).toLowerCase()
    const value = line.slice(colon + 1).trim()
    raw.push(name, value)
    if (name === 'content-length') {
      if (!DIGITS.test(value) || (contentLength !== undefined && contentLength !== value)) throw refuse(`bad content-length: ${JSON.stringify(value)}`)
      contentLength = value
    } else if (name === 'transfer-encoding') {
      transferEncoding = value
    } else if (name === 'expect') {
      expect = value
    } else if (name === 'connection') {
      connection += `,${value.toLowerCase()}`
    }
  }
  const tokens = connection === '' ? [] : connection.split(',').map((t) => t.trim())
  return {
    raw,
    contentLength: contentLength === undefined ? undefined : Number(contentLength),
    transferEncoding,
    expect,
    keepAlive: http10 ? tokens.includes('keep-alive') : !tokens.includes('close'),
  }
}
