import {createServer, IncomingMessage, Server, ServerResponse} from 'node:http'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {openFileLimit} from '../../../src/bench/open-files.js'
import {runCli} from '../cli/run-cli.js'

/**
 * Issue 11, point 4: failing runs fail, before wasting time where possible.
 * One scripted server plays every target: a path per behaviour.
 */
let server: Server
let base: string
/** Requests per load path: the tests run at once, each on its own path. */
const hits = new Map<string, number>()
let flaky = 0

const json = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)})
  res.end(text)
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/'
  if (path === '/health') return json(res, 200, {kind: 'raft-node', id: 'r1'})
  if (path.startsWith('/lock/health')) return json(res, 200, {kind: 'lock-server', id: 'l1'})
  if (path.startsWith('/lock/locks/')) return json(res, 503, {error: 'the lock server is overloaded'})
  hits.set(path, (hits.get(path) ?? 0) + 1)
  if (path === '/ok') return json(res, 200, {})
  if (path === '/broken') return json(res, 500, {error: 'it broke'})
  if (path === '/flaky') return json(res, ++flaky % 2 === 0 ? 500 : 200, {})
  if (path === '/slow') return void setTimeout(() => json(res, 200, {}), 20)
  json(res, 404, {error: 'no such route'})
}

beforeAll(async () => {
  server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as {port: number}).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

// Each test starts the CLI, which takes seconds: they run at once.
describe.concurrent('failing runs', () => {
  const quick = ['--warmup', '0s', '--duration', '1s', '--clients', '2']

  test('an unreachable target fails the preflight: one line, exit 1, no load', async () => {
    const r = await runCli(['bench', 'http', 'http://127.0.0.1:1/', ...quick])
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining('cannot reach http://127.0.0.1:1')])
    expect(r.stdout).toBe('')
  })

  test('a 404 fails the preflight before any load', async () => {
    const r = await runCli(['bench', 'http', `${base}/missing`, ...quick])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('answered 404')
    // Only the preflight's one request arrived.
    expect(hits.get('/missing')).toBe(1)
  })

  test('a node of the wrong kind fails the preflight', async () => {
    const r = await runCli(['bench', 'lock', '--target', base, ...quick])
    expect(r.code).toBe(1)
    expect(r.stderr.trim()).toMatch(/is a raft-node, not a dsys lock server$/)
  })

  test('a run where no operation succeeded fails, naming the most common error', async () => {
    const r = await runCli(['bench', 'http', `${base}/broken`, ...quick, '--json'])
    expect(r.code).toBe(1)
    const report = JSON.parse(r.stdout)
    expect(report.ops).toBe(0)
    expect(report.failures).toEqual([expect.stringMatching(/^no operation succeeded: .* most often http-500/)])
    expect(r.stderr).toContain('run failed: no operation succeeded')
  })

  test('a lock run with no grant shows no fairness or safety score, and fails', async () => {
    const r = await runCli(['bench', 'lock', '--target', `${base}/lock`, ...quick, '--json'])
    expect(r.code).toBe(1)
    const report = JSON.parse(r.stdout)
    expect([report.fairness, report.safety]).toEqual([null, null])
    const table = await runCli(['bench', 'lock', '--target', `${base}/lock`, ...quick])
    expect(table.stdout).toMatch(/fairness \(Jain\)\s*│ n\/a: no lock was granted/)
  })

  test('an error rate above --max-error-rate fails the run; a higher limit passes it', async () => {
    const strict = await runCli(['bench', 'http', `${base}/flaky`, ...quick])
    expect(strict.code).toBe(1)
    expect(strict.stderr).toMatch(/error rate 5\d(\.\d+)?% is above --max-error-rate 10%; most often http-500/)
    const lenient = await runCli(['bench', 'http', `${base}/flaky`, ...quick, '--max-error-rate', '0.6'])
    expect(lenient.code, lenient.stderr).toBe(0)
  })

  test("an open-loop run that sent less than 95% of its schedule fails with the clients Little's law asks for", async () => {
    // 20 ms per request and 2 clients: at most ~100 ops/s of the 400 asked for; the schedule needs 8 clients or more.
    const args = ['bench', 'http', `${base}/slow`, '--rate', '400', '--warmup', '0s', '--duration', '1s', '--clients', '2']
    const behind = await runCli(args)
    expect(behind.code).toBe(1)
    const needed = /sent \d+ of 400 scheduled operations .* needs about (\d+) clients \(Little's law: rate × latency\), this run had 2;/.exec(behind.stderr)
    expect(Number(needed?.[1])).toBeGreaterThanOrEqual(8)
    expect(behind.stdout).toContain('FELL SHORT')
    const accepted = await runCli([...args, '--allow-behind-schedule'])
    expect(accepted.code, accepted.stderr).toBe(0)
  })

  test('--duration 0s is refused as a usage error', async () => {
    const r = await runCli(['bench', 'http', `${base}/ok`, '--duration', '0s'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--duration must be at least 1ms, got "0s"')
  })

  test('a threshold on a metric the workload never reports is refused before the run', async () => {
    const r = await runCli(['bench', 'http', `${base}/unused`, ...quick, '--threshold', 'acquire.p99<5ms'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('this workload reports no "acquire"; it reports get')
    expect(hits.get('/unused')).toBeUndefined()
  })

  const files = openFileLimit()

  test.skipIf(files === undefined)('--clients beyond the open-file limit is refused up front, with the limit named', async () => {
    const r = await runCli(['bench', 'http', `${base}/ok`, '--clients', String(files! + 1)])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`the open-file limit (ulimit -n) is ${files}`)
  })

  test.skipIf(files === undefined || files < 10_100)("--clients beyond the lock server's documented limit is refused up front", async () => {
    const r = await runCli(['bench', 'lock', '--target', `${base}/lock`, '--locks', '1', '--clients', '10001'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('at most 10000, because the target queues at most 10,000 waiters per lock')
  })
})
