import {expect, test} from 'vitest'

import type {Message} from '../../../src/core/raft/index.js'
import {SimEnv, SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'
import {REPLICA_DEFAULTS} from '../../../src/nodes/replica/replica-options.js'
import {KvMachine} from '../../../src/nodes/kv-common/kv-machine.js'
import {openRaftReplica} from '../../../src/nodes/raft-node/raft-consensus.js'

const heartbeat = (term: number): Message => ({type: 'heartbeat', from: 'n1', to: 'n2', term, commit: 0, context: null, leaderTick: 0})

/** A follower n2 on a simulated clock and disk, recording what it sends by POST and when its answers come. */
function follower() {
  const scheduler = new SimScheduler()
  const events: string[] = []
  const replica = openRaftReplica(
    'n2',
    '/data',
    {...REPLICA_DEFAULTS, peers: {n1: 'sim://n1', n2: 'sim://n2', n3: 'sim://n3'}},
    {
      env: new SimEnv(scheduler, 1),
      transport: {
        counters: {messagesSent: 0, messagesDropped: 0, peerRequests: 0},
        send: (messages: readonly Message[]) => messages.forEach((m) => events.push(`POST ${m.type}`)),
        close: async () => {},
      },
      log: {info() {}, error() {}},
      onFatal: (err) => {
        throw err
      },
    },
    new KvMachine(),
  )
  const answer = (messages: Message[]) => {
    const answered = replica.receiveAndReply(messages)
    void answered.then((replies) => events.push(`answer [${replies.map((m) => m.type).join(', ')}]`))
    return answered
  }
  return {scheduler, events, answer}
}

test('a heartbeat that needs no fsync is answered with its response, and no POST goes back', async () => {
  const {scheduler, events, answer} = follower()
  // The first heartbeat of a new term makes the follower persist the term before it answers.
  void answer([heartbeat(1)])
  await scheduler.runWhile(() => !events.includes('POST heartbeatResponse'), 100)
  events.length = 0

  void answer([heartbeat(1)])
  await scheduler.runWhile(() => events.length === 0, 100)

  expect(events).toEqual(['answer [heartbeatResponse]'])
})

test("a batch whose Ready must fsync is answered at once and empty, so the sender's one-POST link does not wait for the disk", async () => {
  const {scheduler, events, answer} = follower()

  const answered = answer([heartbeat(1)])
  await scheduler.runWhile(() => !events.includes('POST heartbeatResponse'), 100)

  expect(await answered).toEqual([])
  expect(events).toEqual(['answer []', 'POST heartbeatResponse'])
})
