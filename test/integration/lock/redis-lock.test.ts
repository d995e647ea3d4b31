import {ChildProcess, execFileSync, spawn} from 'node:child_process'

import {afterAll, beforeAll, expect, test} from 'vitest'

import {LockWorkload} from '../../../src/bench/lock/lock-workload.js'
import {RedisLockBackend} from '../../../src/bench/lock/redis-lock-backend.js'
import {runLoad} from '../../../src/bench/run-load.js'
import {freePorts} from '../../../src/runtime/cluster/ports.js'

const hasRedis = (() => {
  try {
    execFileSync('redis-server', ['--version'])
    return true
  } catch {
    return false
  }
})()
if (!hasRedis) console.warn('redis-server is not installed (Debian package redis-server; .ci/run installs it): skipping the Redis lock test')

let redis: ChildProcess | undefined
let url = ''

beforeAll(async () => {
  if (!hasRedis) return
  const [port] = await freePorts('127.0.0.1', 1)
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {stdio: 'ignore'})
  url = `redis://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    const probe = new RedisLockBackend(url, 1)
    try {
      await probe.preflight()
      await probe.close()
      return
    } catch {
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  throw new Error(`redis-server did not start on ${url}`)
})

afterAll(() => {
  redis?.kill('SIGKILL')
})

test.skipIf(!hasRedis)('the Redis spin lock runs the same workload: no fencing tokens, no overlapping holds', async () => {
  const backend = new RedisLockBackend(url, 1)
  await backend.preflight()
  const report = await runLoad(new LockWorkload(backend, {clients: 4, locks: 2, holdMs: 1, ttlMs: 2000, waitMs: 2000, seed: 3}), {clients: 4, durationMs: 1000, warmupMs: 0})
  expect(report.ops).toBeGreaterThan(0)
  expect(report.errors).toBe(0)
  expect(report.safety).toMatchObject({violations: 0, fencing: false})
  expect(report.fencingTokens).toMatch(/^no:/)
})
