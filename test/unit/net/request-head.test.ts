import {describe, expect, test} from 'vitest'

import {HttpError} from '../../../src/runtime/net/http-error.js'
import {parseRequestHead} from '../../../src/runtime/net/request-head.js'

const head = (...lines: string[]) => parseRequestHead(lines.join('\r\n'))

function rejection(text: string): HttpError {
  try {
    parseRequestHead(text)
  } catch (err) {
    return err as HttpError
  }
  throw new Error(`accepted: ${JSON.stringify(text)}`)
}

describe('parseRequestHead', () => {
  test('reads method, target and body length; HTTP/1.1 keeps the connection by default', () => {
    expect(head('POST /locks/a/acquire?x=1 HTTP/1.1', 'Host: h', 'Content-Length: 42')).toEqual({
      method: 'POST',
      target: '/locks/a/acquire?x=1',
      contentLength: 42,
      keepAlive: true,
      expectContinue: false,
    })
  })

  test('a request without Content-Length has an empty body', () => {
    expect(head('GET /health HTTP/1.1', 'Host: h').contentLength).toBe(0)
  })

  test('Connection: close ends HTTP/1.1 keep-alive; HTTP/1.0 keeps it only when asked', () => {
    expect(head('GET / HTTP/1.1', 'Connection: keep-alive, Close').keepAlive).toBe(false)
    expect(head('GET / HTTP/1.0').keepAlive).toBe(false)
    expect(head('GET / HTTP/1.0', 'connection: Keep-Alive').keepAlive).toBe(true)
  })

  test('header names are case-insensitive and values lose surrounding white space', () => {
    expect(head('PUT /k HTTP/1.1', 'CONTENT-LENGTH: \t 7 ', 'eXpEcT: 100-Continue')).toMatchObject({contentLength: 7, expectContinue: true})
  })

  test('repeated equal Content-Length headers are one; differing ones are refused', () => {
    expect(head('PUT /k HTTP/1.1', 'Content-Length: 3', 'Content-Length: 3').contentLength).toBe(3)
    expect(rejection('PUT /k HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4').status).toBe(400)
  })

  test.each([
    ['a malformed request line', 'GARBAGE', 400],
    ['a request line without a version', 'GET /', 400],
    ['a method that is not a token', 'G(T / HTTP/1.1', 400],
    ['a negative Content-Length', 'POST / HTTP/1.1\r\nContent-Length: -1', 400],
    ['a Content-Length that is not a number', 'POST / HTTP/1.1\r\nContent-Length: 1e3', 400],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost', 400],
    ['white space before a header colon', 'GET / HTTP/1.1\r\nHost : h', 400],
    ['an obsolete folded header', 'GET / HTTP/1.1\r\nX-A: 1\r\n  continued', 400],
    ['a chunked body', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked', 411],
    ['an expectation other than 100-continue', 'POST / HTTP/1.1\r\nExpect: miracles', 417],
    ['HTTP/2.0', 'GET / HTTP/2.0', 505],
  ])('refuses %s', (_what, text, status) => {
    expect(rejection(text).status).toBe(status)
  })
})
