/** `dsys report` end to end (the built CLI): what it writes, what it prints, and that bad input leaves nothing at --out. */
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {runCli} from '../cli/run-cli.js'

const FIXTURES = new URL('../../fixtures/report/', import.meta.url).pathname
const fixture = (name: string) => join(FIXTURES, name)
const dir = mkdtempSync(join(tmpdir(), 'dsys-report-cli-'))

describe('dsys report', () => {
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it('writes one self-contained HTML file for every kind of result and prints its path', async () => {
    const out = join(dir, 'all.html')
    const files = ['bench-lock.json', 'bench-ring.json', 'ring-churn.json', 'check-kv-fail.json', 'bench-lock.hlog'].map(fixture)
    const r = await runCli(['report', ...files, '--out', out, '--title', 'Everything'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toBe(`report: ${out}`)
    const html = readFileSync(out, 'utf8')
    expect(html).toContain('<title>Everything</title>')
    // No external URL: the page must open offline.
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i)
    expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i)
  })

  it('refuses truncated JSON with one line naming the file and line, exit 2, and writes nothing', async () => {
    const text = readFileSync(fixture('bench-kv.json'), 'utf8')
    const cut = join(dir, 'cut.json')
    writeFileSync(cut, text.slice(0, Math.floor(text.length / 2)))
    const out = join(dir, 'cut.html')
    const r = await runCli(['report', fixture('bench-lock.json'), cut, '--out', out])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(new RegExp(`^dsys: error: ${cut} line \\d+: not valid JSON: the text ends before the JSON does \\(truncated\\?\\)\\n$`))
    expect(existsSync(out)).toBe(false)
  })

  it('refuses an HDR log with a tag that is not an operation type, exit 2, nothing written', async () => {
    const log = readFileSync(fixture('bench-lock.hlog'), 'utf8').replace('Tag=acquire-release,', 'Tag=bogus,')
    const path = join(dir, 'other.hlog')
    writeFileSync(path, log)
    const out = join(dir, 'other.html')
    const r = await runCli(['report', path, '--out', out])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^dsys: error: .*other\.hlog line \d+: tag 'bogus' is not an operation type of bench lock/)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(existsSync(out)).toBe(false)
  })

  it('--compare --json prints the comparison document and nothing else', async () => {
    const r = await runCli(['report', '--compare', fixture('bench-kv.json'), fixture('bench-kv-open.json'), '--json'])
    expect(r.code).toBe(0)
    const c = JSON.parse(r.stdout)
    expect(c.runs.map((run: {label: string}) => run.label)).toEqual(['bench-kv.json', 'bench-kv-open.json'])
    expect(c.metrics.find((m: {name: string}) => m.name === 'throughput').ratios[0]).toBe(1)
  })

  it('--fail-if-worse exits 1 listing each regression, after writing the report', async () => {
    const out = join(dir, 'gate.html')
    const r = await runCli(['report', '--compare', fixture('bench-kv.json'), fixture('bench-kv-open.json'), '--fail-if-worse', '5', '--percentiles', 'p50,p99', '--out', out])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/bench-kv-open\.json: throughput .* worse \(limit 5%\)/)
    expect(r.stderr).toMatch(/bench-kv-open\.json: p99 /)
    expect(readFileSync(out, 'utf8')).toContain('Comparison')
  })

  it('asks for --out or --compare when given neither', async () => {
    const r = await runCli(['report', fixture('bench-lock.json')])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('dsys: error: nothing to do: give --out FILE.html, --compare, or both\n')
  })
})
