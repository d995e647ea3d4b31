import {expect, test} from 'vitest'

import type {LockReply} from '../../../src/core/lock/types.js'
import {SimEnv, SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'
import {LockReplica} from '../../../src/nodes/lock-replica/lock-replica.js'
import {REPLICA_DEFAULTS} from '../../../src/nodes/replica/replica-options.js'

/** A one-replica cluster on a simulated clock and disk: it elects itself, and every client command commits at once. */
async function soloReplica() {
  const scheduler = new SimScheduler()
  const replica = LockReplica.open('n1', '/data', {...REPLICA_DEFAULTS, peers: {n1: 'sim://n1'}}, {
    env: new SimEnv(scheduler, 1),
    transport: {counters: {messagesSent: 0, messagesDropped: 0, peerRequests: 0}, send: () => {}, close: async () => {}},
    log: {info() {}, error() {}},
    onFatal: (err) => {
      throw err
    },
  })
  await scheduler.runWhile(() => !replica.raft.leading, 5_000)
  return {scheduler, replica}
}

/** Runs the simulation until `promise` settles, and gives its outcome. */
async function settle<T>(scheduler: SimScheduler, promise: Promise<T>, limitMs = 60_000): Promise<T> {
  let done = false
  const outcome = promise.finally(() => (done = true))
  await scheduler.runWhile(() => !done, limitMs)
  return outcome
}

const noAbort = () => {}

test('a waiter is granted when the holder\'s lease ends: the leader proposes the expiry', async () => {
  const {scheduler, replica} = await soloReplica()
  const first = await settle(scheduler, replica.acquire('l', 'a', 500, 0, noAbort))
  expect(first).toMatchObject({type: 'granted'})
  const startMs = scheduler.now
  const second: LockReply = await settle(scheduler, replica.acquire('l', 'b', 500, 3_000, noAbort))
  expect(second).toMatchObject({type: 'granted'})
  expect(scheduler.now - startMs).toBeLessThan(600)
})

test('a waiter whose wait runs out is answered timeout, from the leader\'s proposal', async () => {
  const {scheduler, replica} = await soloReplica()
  await settle(scheduler, replica.acquire('l', 'a', 60_000, 0, noAbort))
  const startMs = scheduler.now
  expect(await settle(scheduler, replica.acquire('l', 'b', 500, 1_000, noAbort))).toMatchObject({type: 'timeout'})
  expect(scheduler.now - startMs).toBeGreaterThanOrEqual(1_000)
  expect(replica.raft.machine.table.inspect('l', 0).waiting).toBe(0)
})

test('a waiter whose client goes away leaves the queue: the next holder is the one after it', async () => {
  const {scheduler, replica} = await soloReplica()
  const first = (await settle(scheduler, replica.acquire('l', 'a', 60_000, 0, noAbort))) as {token: number}
  let leave: () => void = () => {}
  // Its answer goes nowhere: the HTTP server has no one to send it to.
  void replica.acquire('l', 'gone', 60_000, 30_000, (listener) => (leave = listener))
  const next = replica.acquire('l', 'next', 60_000, 30_000, noAbort)
  await scheduler.runWhile(() => replica.raft.machine.table.inspect('l', 0).waiting < 2, 1_000)
  leave()
  await scheduler.runWhile(() => replica.raft.machine.table.inspect('l', 0).waiting > 1, 1_000)
  await settle(scheduler, replica.release('l', 'a', first.token))
  expect(await settle(scheduler, next)).toMatchObject({type: 'granted'})
})
