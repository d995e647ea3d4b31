import {createServer, Server} from 'node:http'

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
