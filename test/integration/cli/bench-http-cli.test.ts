import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createServer, Server} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, expect, test} from 'vitest'

import {runCli} from './run-cli.js'

let server: Server
let url: string

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, {'content-type': 'application/json', 'content-length': 2})
    res.end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as {port: number}).port}/`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

test.each(['undici', 'raw'])('bench http drives an endpoint through the %s transport', async (transport) => {
  const r = await runCli(['bench', 'http', url, '--transport', transport, '--clients', '4', '--ops', '300', '--warmup', '0s', '--json'])
  expect(r.code, r.stderr).toBe(0)
  const report = JSON.parse(r.stdout)
  expect([report.ops, report.errors]).toEqual([300, 0])
})

test('a --json run that misses a threshold still prints its report, and exits 1', async () => {
  const r = await runCli(['bench', 'http', url, '--ops', '50', '--warmup', '0s', '--json', '--threshold', 'errors>5'])
  expect(r.code).toBe(1)
  const report = JSON.parse(r.stdout)
  expect([report.ops, report.thresholds[0].passed]).toEqual([50, false])
  expect(r.stderr).toContain('thresholds failed: errors>5')
})

test('bench http names the transports it knows', async () => {
  const r = await runCli(['bench', 'http', url, '--transport', 'carrier-pigeon'])
  expect(r.code).not.toBe(0)
  expect(r.stderr).toMatch(/carrier-pigeon.*undici, raw|undici, raw/s)
})

test('--threads 2 spreads the clients over two threads and reports one run: every operation counted once', async () => {
  const r = await runCli(['bench', 'http', url, '--threads', '2', '--clients', '4', '--ops', '2000', '--warmup', '0s', '--json'])
  expect(r.code, r.stderr).toBe(0)
  const report = JSON.parse(r.stdout)
  expect([report.threads, report.ops, report.errors, report.operations.get.ops]).toEqual([2, 2000, 0, 2000])
  // Each of the four clients ran, on one thread or the other.
  expect(report.perClientOps).toHaveLength(4)
  for (const n of report.perClientOps) expect(n).toBeGreaterThan(0)
})

test('more threads than clients is a usage error', async () => {
  const r = await runCli(['bench', 'http', url, '--threads', '3', '--clients', '2'])
  expect(r.code).toBe(2)
  expect(r.stderr).toContain('--threads 3 is more than --clients 2')
})

test('--report writes the run as an HTML page carrying the run it drew, and says where', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsys-report-flag-'))
  try {
    const path = join(dir, 'run.html')
    const r = await runCli(['bench', 'http', url, '--clients', '2', '--ops', '200', '--warmup', '0s', '--report', path, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`report: ${path}`)
    const html = readFileSync(path, 'utf8')
    expect(html).toContain('<title>')
    expect(html).toContain(JSON.parse(r.stdout).run.command.replace(/'/g, '&#39;').slice(0, 20))
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('--report into a directory that does not exist is refused before the run', async () => {
  const r = await runCli(['bench', 'http', url, '--ops', '10', '--report', '/nonexistent-dsys-dir/run.html'])
  expect(r.code).toBe(2)
  expect(r.stderr).toBe('dsys: error: --report /nonexistent-dsys-dir/run.html: the directory /nonexistent-dsys-dir does not exist\n')
})
