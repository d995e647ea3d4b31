import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import fc from 'fast-check'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {raftSubsystem, txnSubsystem} from '../../../src/runtime/cluster/subsystems.js'
import {clusterDown, clusterUp} from '../../../src/runtime/cluster/supervisor.js'
import {JsonClient} from '../../../src/runtime/net/json-client.js'
import type {FieldSpec, Schema} from '../../../src/runtime/net/validate.js'
import {RAFT_MESSAGE_SCHEMAS} from '../../../src/nodes/raft-node/raft-wire.js'
import {TXN_MESSAGE_SCHEMAS} from '../../../src/nodes/txn-common/wire.js'

/**
 * Peer endpoints take batches from other nodes, and a core trusts what it is
 * handed. So every batch is checked whole first: a batch with one malformed
 * message anywhere in it must get a 400 that names the problem, and change
 * nothing on the node (its term, log, commit, votes, locks and data stay as
 * they were). Seeded property runs against real nodes. The lone Raft replica
 * ignores messages from a non-member (raft-9), so its half rests on the 400;
 * the 2PC nodes act on what they are sent, so theirs also shows that no
 * message of a refused batch was applied.
 */

type Message = Record<string, unknown>

const raftEnvelope = {from: 'raft-9', to: 'raft-1', term: 1}
const RAFT_SAMPLES: Message[] = [
  {type: 'appendEntries', ...raftEnvelope, prevIndex: 0, prevTerm: 0, entries: [{index: 1, term: 1, data: 'x'}], commit: 0},
  {type: 'appendEntriesResponse', ...raftEnvelope, index: 0, reject: false, hintIndex: 0, hintTerm: 0},
  {type: 'heartbeat', ...raftEnvelope, commit: 0, context: null, leaderTick: 0},
  {type: 'heartbeatResponse', ...raftEnvelope, context: null, leaderTick: 0},
  {type: 'voteRequest', ...raftEnvelope, preVote: true, lastIndex: 0, lastTerm: 0},
  {type: 'voteResponse', ...raftEnvelope, preVote: false, granted: true},
  {type: 'installSnapshot', ...raftEnvelope, snapshot: {index: 1, term: 1, peers: ['raft-1'], data: ''}},
  {type: 'readIndex', ...raftEnvelope, requestId: 'r'},
  {type: 'readIndexResponse', ...raftEnvelope, requestId: 'r', index: 0},
]

const txnEnvelope = {txn: 'fuzz-1', from: 'txn-coordinator', to: 'txn-participant-1'}
const TXN_SAMPLES: Message[] = [
  {type: 'prepare', ...txnEnvelope, writes: [{key: 'k', value: 'v'}], conditions: [{key: 'k', value: null}]},
  {type: 'commit', ...txnEnvelope},
  {type: 'abort', ...txnEnvelope},
  {type: 'vote-yes', ...txnEnvelope},
  {type: 'vote-no', ...txnEnvelope, reason: 'conflict', detail: ''},
  {type: 'ack', ...txnEnvelope, outcome: 'committed'},
  {type: 'query', ...txnEnvelope},
]

/** Values no field of this spec accepts. */
function wrongValues(spec: FieldSpec): unknown[] {
  switch (spec.type) {
    case 'int':
      return ['1', true, {}, [], 1.5, (spec.min ?? 0) - 1, Number.MAX_SAFE_INTEGER + 2, ...(spec.max === undefined ? [] : [spec.max + 1])]
    case 'string':
      return [1, true, {}, [], ...(spec.nullable ? [] : [null]), ...(spec.oneOf ? ['maybe'] : []), ...(spec.minLength ? [''] : [])]
    case 'boolean':
      return [0, 'true', null, {}]
    case 'array':
      return [{}, 'x', 1, null, [null], [1]]
    case 'strings':
      return [[1], 'a', {}, [null]]
    case 'ints':
      return [['1'], 'a', {}, [null], [1.5], ...(spec.min === undefined ? [] : [[spec.min - 1]])]
    case 'object':
      return [[], 'x', 1, null]
  }
}

type Breakage =
  | {kind: 'unknown type'; suffix: string}
  | {kind: 'missing field'; pick: number}
  | {kind: 'unknown field'; name: string}
  | {kind: 'wrong value'; pick: number; value: number; nested: boolean}

const breakage: fc.Arbitrary<Breakage> = fc.oneof(
  fc.record({kind: fc.constant('unknown type' as const), suffix: fc.string({maxLength: 6})}),
  fc.record({kind: fc.constant('missing field' as const), pick: fc.nat()}),
  fc.record({kind: fc.constant('unknown field' as const), name: fc.string({minLength: 1, maxLength: 6})}),
  fc.record({kind: fc.constant('wrong value' as const), pick: fc.nat(), value: fc.nat(), nested: fc.boolean()}),
)

/** A copy of `message` that its type's schema refuses. */
function broken(message: Message, schemas: Record<string, Schema>, b: Breakage): Message {
  const copy = structuredClone(message)
  const schema = schemas[message.type as string]
  const fields = Object.keys(schema)
  switch (b.kind) {
    case 'unknown type':
      return {...copy, type: `no-such-${b.suffix}`}
    case 'missing field': {
      // Only a required field's absence is malformed.
      const required = fields.filter((f) => !schema[f].optional)
      delete copy[required[b.pick % required.length]]
      return copy
    }
    case 'unknown field':
      return {...copy, [`x-${b.name}`]: 1}
    case 'wrong value': {
      const field = fields[b.pick % fields.length]
      const spec = schema[field]
      // Reach inside an entry, a write or a snapshot when asked and there is one.
      // An optional field the sample leaves out has nothing inside to reach.
      const inner = spec.type === 'array' ? (copy[field] as Message[] | undefined)?.[0] : spec.type === 'object' ? (copy[field] as Message | undefined) : undefined
      const innerSchema = spec.type === 'array' ? spec.items : spec.type === 'object' ? spec.schema : undefined
      if (b.nested && inner && innerSchema) {
        const innerFields = Object.keys(innerSchema)
        const innerField = innerFields[b.value % innerFields.length]
        const wrong = wrongValues(innerSchema[innerField])
        inner[innerField] = wrong[b.value % wrong.length]
        return copy
      }
      const wrong = wrongValues(spec)
      copy[field] = wrong[b.value % wrong.length]
      return copy
    }
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'dsys-peer-fuzz-'))
const clients: Record<string, JsonClient> = {}

beforeAll(async () => {
  const {state} = await clusterUp({dataDir, host: '127.0.0.1', plans: [...raftSubsystem.plan({size: 1}), ...txnSubsystem.plan({size: 1})], healthTimeoutMs: 15_000})
  for (const node of state.nodes) clients[node.name] = new JsonClient(node.url, {connections: 2})
  // A lone replica elects itself and commits its first entry; wait for both, so nothing moves on its own.
  const settled = async () => {
    const h = (await clients['raft-1'].request<{role: string; commitIndex: number; lastIndex: number}>('GET', '/health')).body
    return h.role === 'leader' && h.lastIndex > 0 && h.commitIndex === h.lastIndex
  }
  for (let i = 0; i < 400 && !(await settled()); i++) await new Promise((r) => setTimeout(r, 25))
})

afterAll(async () => {
  await Promise.all(Object.values(clients).map((c) => c.close()))
  await clusterDown(dataDir, 1000, true)
  rmSync(dataDir, {recursive: true, force: true})
})

/** What a peer message could change on each node. */
async function state(): Promise<unknown> {
  const health = async (name: string) => (await clients[name].request<Record<string, unknown>>('GET', '/health')).body
  const raft = await health('raft-1')
  const participant = await health('txn-participant-1')
  const coordinator = await health('txn-coordinator')
  return {
    raft: {role: raft.role, term: raft.term, commitIndex: raft.commitIndex, lastIndex: raft.lastIndex, keys: raft.keys},
    participant: {stats: participant.stats, inDoubt: participant.inDoubtCount, lockedKeys: participant.lockedKeys, keys: participant.keys},
    coordinator: {stats: coordinator.stats, activeTxns: coordinator.activeTxns},
  }
}

const cases = [
  {node: 'raft-1', path: '/raft/messages', samples: RAFT_SAMPLES, schemas: RAFT_MESSAGE_SCHEMAS as Record<string, Schema>},
  {node: 'txn-participant-1', path: '/txn/messages', samples: TXN_SAMPLES, schemas: TXN_MESSAGE_SCHEMAS as Record<string, Schema>},
  {node: 'txn-coordinator', path: '/txn/messages', samples: TXN_SAMPLES.map((m) => ({...m, from: 'txn-participant-1', to: 'txn-coordinator'})), schemas: TXN_MESSAGE_SCHEMAS as Record<string, Schema>},
]

describe('peer message endpoints under malformed batches', () => {
  test.each(cases)('$node: a batch with one malformed message gets a 400 naming it and changes nothing', async ({node, path, samples, schemas}) => {
    const before = await state()
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(samples.length - 1), {maxLength: 3}),
        fc.nat(samples.length - 1),
        breakage,
        fc.nat(),
        async (valid, target, b, position) => {
          const batch = valid.map((i) => samples[i])
          const at = position % (batch.length + 1)
          batch.splice(at, 0, broken(samples[target], schemas, b))
          const res = await clients[node].request<{error?: string}>('POST', path, {messages: batch})
          expect(res.status, JSON.stringify(batch[at])).toBe(400)
          expect(res.body.error).toMatch(new RegExp(`messages\\[${at}\\]`))
        },
      ),
      {numRuns: 150, seed: 20261124},
    )
    expect(await state()).toEqual(before)
  })

  test('a body that is not a batch is refused the same way', async () => {
    for (const body of [[], {messages: {}}, {messages: [], more: 1}, {msgs: []}]) {
      const res = await clients['raft-1'].request<{error?: string}>('POST', '/raft/messages', body)
      expect(res.status).toBe(400)
      expect(res.body.error).toMatch(/body must be \{"messages"/)
    }
  })
})
