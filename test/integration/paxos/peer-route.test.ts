import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {PAXOS_MESSAGES_PATH} from '../../../src/nodes/paxos/paxos-consensus.js'
import {paxosSubsystem} from '../../../src/runtime/cluster/subsystems.js'
import {ReplicaTestCluster} from '../kv-replica/replica-cluster.js'

/**
 * A real paxos node's peer route checks a batch whole before its core steps
 * any of it: one bad message after a good one gets a 400 naming the bad
 * field, and the good one is not stepped either.
 */
describe('paxos peer route: a batch with one bad message is refused whole', () => {
  let cluster: ReplicaTestCluster
  let target: string
  let sender: string
  let outsider: string

  beforeAll(async () => {
    // Elections 1-2 s apart, so on a loaded machine no natural one changes a ballot under the test.
    cluster = await ReplicaTestCluster.start({electionTicks: 100}, 3, paxosSubsystem)
    await cluster.client.session().put('settled', 'yes')
    target = await cluster.waitForLeader()
    ;[sender, outsider] = cluster.names.filter((n) => n !== target)
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  // An accept in a ballot far above the cluster's: stepped, it makes the target promise that ballot and follow the sender.
  const takeover = () => ({type: 'accept', from: sender, to: target, ballot: {round: 1_000, node: sender}, values: [], chosen: 0, readSeq: 0})
  const post = (messages: unknown[]) => cluster.raw(target, 'POST', PAXOS_MESSAGES_PATH, JSON.stringify({messages}))

  const BAD: {what: string; message: () => Record<string, unknown>; field: RegExp}[] = [
    {what: 'an unknown type', message: () => ({...takeover(), type: 'propose'}), field: /messages\[1\]\.type/},
    {
      what: 'a missing field',
      message: () => {
        const {readSeq: _dropped, ...rest} = takeover()
        return rest
      },
      field: /missing field "readSeq" in messages\[1\]/,
    },
    {what: 'ballot round 0', message: () => ({...takeover(), ballot: {round: 0, node: sender}}), field: /"round" in messages\[1\]\.ballot must be >= 1/},
    {what: 'a ballot owned by the wrong end', message: () => ({...takeover(), ballot: {round: 1_000, node: outsider}}), field: /messages\[1\]\.ballot\.node/},
    {what: 'a sender outside the group', message: () => ({...takeover(), from: 'paxos-9', ballot: {round: 1_000, node: 'paxos-9'}}), field: /messages\[1\]\.from/},
    {what: 'accept values out of order', message: () => ({...takeover(), values: [{slot: 5, data: 'a'}, {slot: 4, data: 'b'}]}), field: /messages\[1\]\.values\[1\]\.slot/},
    {
      what: 'a nack not above the ballot it refused',
      message: () => ({type: 'nack', from: sender, to: target, ballot: {round: 7, node: target}, promised: {round: 7, node: target}}),
      field: /messages\[1\]\.promised/,
    },
  ]

  it.each(BAD)('refuses a good accept followed by $what with a 400 naming the field, stepping neither', async ({message, field}) => {
    const before = (await cluster.health(target))!
    const res = await post([takeover(), message()])
    expect(res.status).toBe(400)
    expect(res.body.error).toMatch(field)
    const after = (await cluster.health(target))!
    expect(after.ballot).toBe(before.ballot)
    expect(after.role).toBe('leader')
  })

  it('steps the same good accept when it comes alone: the target promises its ballot', async () => {
    expect((await post([takeover()])).status).toBe(200)
    expect((await cluster.health(target))!.ballot).toBe(`1000.${sender}`)
  })
})
