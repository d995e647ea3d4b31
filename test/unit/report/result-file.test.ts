import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {UsageError} from '../../../src/core/common/usage-error.js'
import {findJsonSyntaxError} from '../../../src/report/json-syntax.js'
import {parseResult, readResultFile} from '../../../src/report/result-file.js'

const FIXTURES = new URL('../../fixtures/report/', import.meta.url).pathname
const lockText = readFileSync(join(FIXTURES, 'bench-lock.json'), 'utf8')

function errorOf(f: () => unknown): string {
  try {
    f()
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return (error as Error).message
  }
  throw new Error('expected a usage error')
}

describe('result files', () => {
  it('names the file and the line where truncated JSON ends', () => {
    const cut = lockText.slice(0, lockText.indexOf('"timeline"') + 30)
    const line = cut.split('\n').length
    expect(errorOf(() => parseResult(cut, 'lock.json'))).toBe(`lock.json line ${line}: not valid JSON: the text ends before the JSON does (truncated?)`)
  })

  it('names the line of a stray character', () => {
    expect(findJsonSyntaxError('{\n  "a": 1,\n  "b": }\n')).toEqual({line: 3, reason: 'unexpected "}"'})
    expect(findJsonSyntaxError('{"a": [1, 2]}')).toBeNull()
    expect(findJsonSyntaxError('{"a": "cut')).toEqual({line: 1, reason: 'the text ends before the JSON does (truncated?)'})
  })

  it('refuses JSON that is not a dsys result, naming the file', () => {
    expect(errorOf(() => parseResult('[1, 2]', 'x.json'))).toMatch(/^x\.json is not a dsys result: expected a JSON object/)
    expect(errorOf(() => parseResult('{"name": "package"}', 'package.json'))).toBe('package.json is not a dsys result: it has no "workload" field')
    expect(errorOf(() => parseResult('{"workload": "bogus"}', 'b.json'))).toMatch(/^b\.json: unknown workload "bogus"/)
    expect(errorOf(() => parseResult('{"error": {"code": "usage", "message": "bad flag"}}', 'e.json'))).toBe('e.json holds a dsys error, not a result: bad flag')
    expect(errorOf(() => parseResult('', 'empty.json'))).toBe('empty.json is empty: not a dsys result')
  })

  it('refuses a result with a required field missing', () => {
    const r = JSON.parse(lockText)
    delete r.throughput
    expect(errorOf(() => parseResult(JSON.stringify(r), 'lock.json'))).toBe('lock.json is not a complete lock result: "throughput" is missing or not a number')
  })

  it('reads an HDR log by its content, whatever its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dsys-result-file-'))
    const path = join(dir, 'latency.json')
    writeFileSync(path, readFileSync(join(FIXTURES, 'bench-lock.hlog')))
    const {result} = readResultFile(path)
    expect(result.workload).toBe('hdr-log')
    expect(Object.keys(result.hdrHistograms as object)).toContain('all')
  })

  it('says when a file cannot be read', () => {
    expect(errorOf(() => readResultFile('/nonexistent/r.json'))).toBe('cannot read /nonexistent/r.json: no such file')
  })
})
