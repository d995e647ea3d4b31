import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, describe, expect, test, vi} from 'vitest'

import {waitHealthy} from '../../../src/runtime/cluster/health.js'
import {freePorts} from '../../../src/runtime/cluster/ports.js'
import {prepareNode} from '../../../src/runtime/cluster/spawn-node.js'
import {raftSubsystem} from '../../../src/runtime/cluster/subsystems.js'
import {clusterDown, clusterStatus, clusterUp} from '../../../src/runtime/cluster/supervisor.js'
import {RAFT_MESSAGES_PATH} from '../../../src/nodes/raft-node/raft-wire.js'

/**
 * Fail-stop (docs/ARCHITECTURE.md): a node that finds one of its own
 * invariants broken exits at once with the invariant and its stack in its
 * log, and answers nothing more — never a 500 from state it no longer trusts.
 */

const dirs: string[] = []
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, {recursive: true, force: true})
})

/** One request on a fresh connection: every byte the node sent back before the connection closed. */
async function exchange(url: string, method: string, path: string, body = ''): Promise<string> {
  const {hostname, port} = new URL(url)
  const socket = connect(Number(port), hostname)
  const received: Buffer[] = []
  socket.on('data', (chunk: Buffer) => received.push(chunk))
  socket.on('error', () => {})
  socket.write(`${method} ${path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  await once(socket, 'close')
  return Buffer.concat(received).toString('utf8')
}

/** The node's JSON log lines that recorded a fail-stop. */
function failStops(logPath: string): Array<{level: string; message: string; error: string; target?: string}> {
  return readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .filter((entry) => String(entry.message).startsWith('fail-stop: '))
}

describe('fail-stop', () => {
  test('a Raft leader handed a batch from a second leader of its term exits with the invariant in its log, and answers nothing', async () => {
    const dataDir = tempDir('dsys-fail-stop-raft-')
    const {state} = await clusterUp({dataDir, host: '127.0.0.1', plans: raftSubsystem.plan({size: 2}), healthTimeoutMs: 15_000})
    try {
      const leader = await vi.waitFor(
        async () => {
          const found = (await clusterStatus(dataDir)).find((n) => n.health?.role === 'leader')
          if (!found) throw new Error('no leader yet')
          return found
        },
        {timeout: 10_000, interval: 25},
      )
      const other = state.nodes.find((n) => n.name !== leader.name)!
      // A peer that lies: it claims to lead the leader's own term. Peers are trusted, so the core's invariant is what catches it.
      const heartbeat = {type: 'heartbeat', from: other.name, to: leader.name, term: leader.health!.term, commit: 0, context: null, leaderTick: 0}
      const answer = await exchange(leader.url, 'POST', RAFT_MESSAGES_PATH, JSON.stringify({messages: [heartbeat]}))
      expect(answer, 'the request that broke the invariant gets no answer at all').toBe('')
      await vi.waitFor(async () => expect((await clusterStatus(dataDir)).find((n) => n.name === leader.name)?.alive).toBe(false), {timeout: 5_000, interval: 25})
      const [logged, ...more] = failStops(join(leader.dataPath, 'node.log'))
      expect(more).toEqual([])
      expect(logged).toMatchObject({level: 'error', message: 'fail-stop: request handler failed', target: RAFT_MESSAGES_PATH})
      expect(logged.error).toMatch(new RegExp(`^InvariantError: raft: two leaders in term ${leader.health!.term}: ${leader.name} and ${other.name}\\n\\s+at `))
    } finally {
      await clusterDown(dataDir, 1_000, true)
    }
  })

  test.each([
    ['request', 'fail-stop: request handler failed', 'a request handler', false],
    ['timer', 'fail-stop: uncaught exception', 'a timer', true],
    ['rejection', 'fail-stop: unhandled rejection', 'an unawaited promise', true],
  ])('a bug planted in a node process via %s exits it non-zero, logged the same way', async (path, message, where, answered) => {
    const dataDir = tempDir('dsys-fail-stop-node-')
    const [port] = await freePorts('127.0.0.1', 1)
    const node = prepareNode(dataDir, {name: 'planted-1', kind: 'planted-bug', subsystem: 'test'}, '127.0.0.1', port, {})
    const child = spawn(process.execPath, [fileURLToPath(new URL('planted-bug-node.mjs', import.meta.url)), node.configPath], {stdio: 'ignore'})
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
    node.pid = child.pid!
    try {
      await waitHealthy(node, 15_000)
      const answer = await exchange(node.url, 'POST', `/plant/${path}`)
      // The timer and the promise fail after their request was answered; a handler's bug is never answered.
      if (answered) expect(answer).toMatch(/^HTTP\/1\.1 200 /)
      else expect(answer).toBe('')
      expect(await exited).toEqual([1, null])
      const [logged, ...more] = failStops(node.logPath)
      expect(more).toEqual([])
      expect(logged).toMatchObject({level: 'error', message})
      expect(logged.error).toMatch(new RegExp(`^InvariantError: planted in ${where}\\n\\s+at `))
    } finally {
      child.kill('SIGKILL')
    }
  })
})
