import {describe, expect, it} from 'vitest'
import {SeededRng} from '../../../src/core/common/rng.js'
import {PaxosNode, type Message, type MessageType} from '../../../src/core/paxos/index.js'
import {HttpError} from '../../../src/runtime/net/http-error.js'
import {paxosMessageParser} from '../../../src/nodes/paxos/paxos-wire.js'
import {Cluster} from '../paxos/harness.js'

const members = ['n1', 'n2', 'n3', 'n4', 'n5']
const parse = paxosMessageParser(members)
/** What a peer's POST /paxos/messages body looks like on arrival. */
const onTheWire = (messages: readonly unknown[]): unknown => JSON.parse(JSON.stringify({messages}))

/**
 * Every message a seeded five-node cluster delivers while it loses,
 * duplicates and reorders messages, partitions nodes off and compacts: the
 * messages the real core emits, in all their cases (an isolated node falls
 * behind its peers' snapshots, and its campaign is answered with one).
 */
function delivered(seed: number, steps: number): Message[] {
  const rng = new SeededRng(seed)
  const cluster = new Cluster(members, {}, {rng, lossRate: 0.1, duplicateRate: 0.05})
  const seen: Message[] = []
  cluster.drop = (m) => {
    seen.push(m)
    return false
  }
  for (let step = 0, value = 0; step < steps; step++) {
    const roll = rng.next()
    const leader = cluster.leader()
    if (roll < 0.1) cluster.tick()
    else if (roll < 0.2 && leader !== undefined) cluster.propose(leader, `v${value++}`)
    else if (roll < 0.205) {
      // One node cut off at a time, so the rest keep a quorum and move on without it.
      cluster.heal()
      cluster.isolate(members[rng.int(members.length)])
    }
    else if (roll < 0.21) cluster.heal()
    else if (roll < 0.22) cluster.compact(members[rng.int(members.length)])
    else for (let i = 0; i < 3; i++) cluster.deliverOne()
  }
  return seen
}

/** One valid message of each type, as the core would send it (ballots owned by the right end, slots in order). */
const SAMPLES: {[T in MessageType]: Extract<Message, {type: T}>} = {
  prepare: {type: 'prepare', from: 'n1', to: 'n2', ballot: {round: 4, node: 'n1'}, fromSlot: 3},
  promise: {
    type: 'promise',
    from: 'n2',
    to: 'n1',
    ballot: {round: 4, node: 'n1'},
    accepted: [
      {slot: 3, ballot: {round: 2, node: 'n3'}, data: 'a'},
      {slot: 5, ballot: {round: 3, node: 'n2'}, data: ''},
    ],
  },
  accept: {type: 'accept', from: 'n1', to: 'n2', ballot: {round: 4, node: 'n1'}, values: [{slot: 3, data: 'a'}, {slot: 5, data: ''}], chosen: 2, readSeq: 7},
  accepted: {type: 'accepted', from: 'n2', to: 'n1', ballot: {round: 4, node: 'n1'}, slots: [3, 5], chosen: 2, readSeq: 7},
  nack: {type: 'nack', from: 'n2', to: 'n1', ballot: {round: 4, node: 'n1'}, promised: {round: 4, node: 'n3'}},
  catchUp: {type: 'catchUp', from: 'n1', to: 'n2', ballot: {round: 4, node: 'n1'}, values: [{slot: 3, data: 'a'}, {slot: 4, data: 'b'}]},
  snapshot: {type: 'snapshot', from: 'n1', to: 'n2', ballot: {round: 4, node: 'n1'}, snapshot: {slot: 6, data: '{}'}},
}

/** A copy of the sample of `type` with `change` applied to it. */
function mutated<T extends MessageType>(type: T, change: (m: Record<string, any>) => void): unknown {
  const copy = structuredClone(SAMPLES[type]) as Record<string, any>
  change(copy)
  return copy
}

function refusal(body: unknown): HttpError {
  try {
    parse(body)
  } catch (err) {
    if (err instanceof HttpError) return err
    throw err
  }
  throw new Error(`accepted ${JSON.stringify(body)}`)
}

describe('Paxos peer wire: the messages the core sends', () => {
  it('every message type a faulty cluster delivers, both kinds of snapshot among them, survives the wire unchanged', () => {
    const messages = [1, 2, 3, 4, 5].flatMap((seed) => delivered(seed, 3000))
    const types = new Set(messages.map((m) => m.type))
    expect([...types].sort()).toEqual(Object.keys(SAMPLES).sort())
    const snapshots = messages.filter((m) => m.type === 'snapshot')
    // A leader catching a peer up sends its own ballot; an acceptor answering a prepare sends the candidate's.
    expect(snapshots.some((m) => m.ballot.node === m.from)).toBe(true)
    expect(snapshots.some((m) => m.ballot.node === m.to)).toBe(true)
    expect(messages.some((m) => m.type === 'promise' && m.accepted.length > 1)).toBe(true)
    expect(messages.some((m) => m.type === 'catchUp' && m.values.length > 1)).toBe(true)
    for (let i = 0; i < messages.length; i += 100) {
      const batch = messages.slice(i, i + 100)
      expect(parse(onTheWire(batch))).toEqual(batch)
    }
  })

  it('the samples are valid, and a snapshot may carry the ballot of its sender or of its receiver', () => {
    const answer = {...SAMPLES.snapshot, from: 'n2', to: 'n1'}
    expect(parse(onTheWire([...Object.values(SAMPLES), answer]))).toHaveLength(8)
  })
})

describe('Paxos peer wire: malformed or out-of-ballot messages are refused with a 400 naming the field', () => {
  it.each<[string, unknown, RegExp]>([
    ['a sender that is not a member', mutated('prepare', (m) => (m.from = 'n9')), /messages\[0\]\.from "n9" is not a member \(n1, n2, n3, n4, n5\)/],
    ['a receiver that is not a member', mutated('accept', (m) => (m.to = 'n9')), /messages\[0\]\.to "n9" is not a member/],
    ['a message to its own sender', mutated('accept', (m) => (m.to = 'n1')), /messages\[0\]\.to must differ from its from/],
    ['a ballot of a non-member', mutated('accepted', (m) => (m.ballot.node = 'n9')), /messages\[0\]\.ballot\.node "n9" is not a member/],
    ['the zero ballot', mutated('prepare', (m) => (m.ballot = {round: 0, node: ''})), /field "round" in messages\[0\]\.ballot must be >= 1/],
    ['round 0', mutated('accept', (m) => (m.ballot.round = 0)), /field "round" in messages\[0\]\.ballot must be >= 1/],
    ['a prepare in the receiver\'s ballot', mutated('prepare', (m) => (m.ballot.node = 'n2')), /messages\[0\]\.ballot\.node must be from \(n1\): a prepare carries/],
    ['an accept in a third node\'s ballot', mutated('accept', (m) => (m.ballot.node = 'n3')), /messages\[0\]\.ballot\.node must be from \(n1\)/],
    ['a catch-up in the receiver\'s ballot', mutated('catchUp', (m) => (m.ballot.node = 'n2')), /messages\[0\]\.ballot\.node must be from \(n1\)/],
    ['a promise in the sender\'s ballot', mutated('promise', (m) => (m.ballot.node = 'n2')), /messages\[0\]\.ballot\.node must be to \(n1\)/],
    ['an accepted in a third node\'s ballot', mutated('accepted', (m) => (m.ballot.node = 'n3')), /messages\[0\]\.ballot\.node must be to \(n1\)/],
    ['a nack of the sender\'s ballot', mutated('nack', (m) => (m.ballot.node = 'n2')), /messages\[0\]\.ballot\.node must be to \(n1\)/],
    ['a snapshot in neither end\'s ballot', mutated('snapshot', (m) => (m.ballot.node = 'n3')), /messages\[0\]\.ballot\.node must be from \(n1\) or to \(n2\)/],
    ['a nack whose promised equals the refused ballot', mutated('nack', (m) => (m.promised = {round: 4, node: 'n1'})), /messages\[0\]\.promised \(4, n1\) must be above the ballot it refused, \(4, n1\)/],
    ['a nack whose promised is below the refused ballot', mutated('nack', (m) => (m.promised = {round: 3, node: 'n5'})), /messages\[0\]\.promised \(3, n5\) must be above/],
    ['a nack whose promised is the zero ballot', mutated('nack', (m) => (m.promised = {round: 0, node: ''})), /field "round" in messages\[0\]\.promised must be >= 1/],
    ['a nack whose promised belongs to a non-member', mutated('nack', (m) => (m.promised.node = 'n9')), /messages\[0\]\.promised\.node "n9" is not a member/],
    ['a promised value in round 0', mutated('promise', (m) => (m.accepted[1].ballot.round = 0)), /field "round" in messages\[0\]\.accepted\[1\]\.ballot must be >= 1/],
    ['a promised value of a non-member\'s ballot', mutated('promise', (m) => (m.accepted[0].ballot.node = 'n9')), /messages\[0\]\.accepted\[0\]\.ballot\.node "n9" is not a member/],
    ['promised values out of slot order', mutated('promise', (m) => m.accepted.reverse()), /messages\[0\]\.accepted\[1\]\.slot must be above 5 \(slots strictly ascending\)/],
    ['two promised values for one slot', mutated('promise', (m) => (m.accepted[1].slot = 3)), /messages\[0\]\.accepted\[1\]\.slot must be above 3/],
    ['accept values out of slot order', mutated('accept', (m) => m.values.reverse()), /messages\[0\]\.values\[1\]\.slot must be above 5/],
    ['two accept values for one slot', mutated('accept', (m) => (m.values[1].slot = 3)), /messages\[0\]\.values\[1\]\.slot must be above 3/],
    ['accepted slots out of order', mutated('accepted', (m) => (m.slots = [5, 3])), /messages\[0\]\.slots\[1\] must be above 5/],
    ['a catch-up with a gap', mutated('catchUp', (m) => (m.values[1].slot = 5)), /messages\[0\]\.values\[1\]\.slot must be 4 \(catch-up values are consecutive\)/],
    ['slot 0 in a prepare', mutated('prepare', (m) => (m.fromSlot = 0)), /field "fromSlot" in messages\[0\] must be >= 1/],
    ['slot 0 in an accept', mutated('accept', (m) => (m.values[0].slot = 0)), /field "slot" in messages\[0\]\.values\[0\] must be >= 1/],
    ['slot 0 in an accepted', mutated('accepted', (m) => (m.slots = [0, 5])), /field "slots\[0\]" in messages\[0\] must be >= 1/],
    ['a fractional slot in an accepted', mutated('accepted', (m) => (m.slots = [3, 4.5])), /field "slots\[1\]" in messages\[0\] must be an integer/],
    ['accepted slots that are not an array', mutated('accepted', (m) => (m.slots = '3,5')), /field "slots" in messages\[0\] must be an array of integers/],
    ['slot 0 in a promise', mutated('promise', (m) => (m.accepted[0].slot = 0)), /field "slot" in messages\[0\]\.accepted\[0\] must be >= 1/],
    ['slot 0 in a snapshot', mutated('snapshot', (m) => (m.snapshot.slot = 0)), /field "slot" in messages\[0\]\.snapshot must be >= 1/],
    ['a negative chosen point', mutated('accept', (m) => (m.chosen = -1)), /field "chosen" in messages\[0\] must be >= 0/],
    ['a negative readSeq', mutated('accepted', (m) => (m.readSeq = -1)), /field "readSeq" in messages\[0\] must be >= 0/],
    ['an accept without readSeq', mutated('accept', (m) => delete m.readSeq), /missing field "readSeq" in messages\[0\]/],
    ['an unknown type', mutated('accept', (m) => (m.type = 'learn')), /messages\[0\]\.type must be one of prepare, promise, accept, accepted, nack, catchUp, snapshot/],
    ['an extra key', mutated('nack', (m) => (m.term = 1)), /unknown field "term" in messages\[0\]/],
    ['a promise carrying a chosen point (the candidate would not read it)', mutated('promise', (m) => (m.chosen = 2)), /unknown field "chosen" in messages\[0\]/],
  ])('refuses %s', (_what, message, expected) => {
    const err = refusal(onTheWire([message]))
    expect(err.status).toBe(400)
    expect(err.message).toMatch(expected)
  })

  it('a batch with one bad message among good ones is refused whole: the core steps none of it', () => {
    const node = new PaxosNode({id: 'n2', peers: members, rng: new SeededRng(1)})
    const bad = mutated('accept', (m) => (m.ballot.node = 'n3'))
    const body = onTheWire([SAMPLES.prepare, bad, SAMPLES.accept])
    const err = refusal(body)
    expect(err.message).toMatch(/^messages\[1\]\.ballot\.node/)
    // How the node's route uses the parser: parse the batch, then step each message.
    expect(() => parse(body).forEach((m) => node.step(m))).toThrow(HttpError)
    expect(node.hasReady()).toBe(false)
    expect(node.status().promised).toEqual({round: 0, node: ''})
  })

  it('a body that is not a batch is refused', () => {
    for (const body of [null, [], {messages: {}}, {messages: [], more: 1}, {msgs: []}]) {
      expect(refusal(body).message).toMatch(/body must be \{"messages": \[\.\.\.\]\}/)
    }
  })
})

type Json = null | boolean | number | string | Json[] | {[key: string]: Json}

/** Every place in `value` a mutation can reach: [parent, key] pairs. */
function places(value: Json, out: Array<[Json[] | {[key: string]: Json}, string | number]> = []): typeof out {
  if (value === null || typeof value !== 'object') return out
  for (const key of Object.keys(value)) {
    const at = Array.isArray(value) ? Number(key) : key
    out.push([value, at])
    places((value as Record<string | number, Json>)[at], out)
  }
  return out
}

const oddValues: Json[] = [null, true, 'x', '', 'n9', -1, 0, 1.5, 2 ** 53, -(2 ** 53), {}, [], [1], [{}], {round: 1, node: 'n1'}]

/** One random mutation of `batch` (in place); returns what it did, for the failure message. */
function mutate(batch: Json[], rng: SeededRng): string {
  const all = places(batch)
  if (all.length === 0) return 'nothing left to mutate'
  const [parent, key] = all[rng.int(all.length)]
  const old = (parent as Record<string | number, Json>)[key]
  const set = (value: Json): void => {
    ;(parent as Record<string | number, Json>)[key] = value
  }
  switch (rng.int(8)) {
    case 0:
      if (Array.isArray(parent)) parent.splice(key as number, 1)
      else delete parent[key]
      return `dropped ${key}`
    case 1:
      set(oddValues[rng.int(oddValues.length)])
      return `${key} = ${JSON.stringify((parent as Record<string | number, Json>)[key])}`
    case 2:
      set(typeof old === 'number' ? -old - 1 - rng.int(3) : -1)
      return `${key} negative`
    case 3:
      set(rng.int(50))
      return `${key} = a small int`
    case 4: {
      // A huge array of copies of one of its items (or of the value itself).
      const item = Array.isArray(old) && old.length > 0 ? old[rng.int(old.length)] : old
      set(Array.from({length: 10_000 + rng.int(20_000)}, () => item))
      return `${key} = a huge array`
    }
    case 5:
      if (parent !== null && !Array.isArray(parent)) parent[`extra${rng.int(3)}`] = 1
      else set({type: 'learn'})
      return `extra key beside ${key}`
    case 6:
      set({...(old as object), type: ['learn', 'Prepare', '', 'constructor', 'toString'][rng.int(5)]})
      return `${key} given an unknown type`
    default:
      set(members[rng.int(members.length)])
      return `${key} = a member's id`
  }
}

/**
 * Five nodes that act on the samples rather than ignore them: each promised
 * ballot (3, n1) and holds slots 1 and 2 chosen in it, then n1 campaigns in
 * (4, n1), the samples' ballot, so their prepares, promises, accepts,
 * accepted replies and catch-ups all reach a node in the state they answer.
 */
function campaigning(seed: number): Map<string, PaxosNode> {
  const ballot = {round: 3, node: 'n1'}
  const persisted = {hardState: {promised: ballot, chosen: 2}, accepted: [1, 2].map((slot) => ({slot, ballot, data: `v${slot}`}))}
  const nodes = new Map(members.map((id) => [id, new PaxosNode({id, peers: members, rng: new SeededRng(seed)}, persisted)]))
  const n1 = nodes.get('n1')!
  n1.campaign()
  n1.advance(n1.ready())
  return nodes
}

describe('Paxos peer wire: seeded fuzz', () => {
  const seed = Number(process.env.PAXOS_WIRE_SEED ?? 20261207)
  it(`mutated batches are parsed or refused with a 400, never anything else, and whatever passes steps cleanly (seed ${seed})`, () => {
    const rng = new SeededRng(seed)
    const samples = Object.values(SAMPLES) as unknown as Json[]
    let refused = 0
    for (let run = 0; run < 2000; run++) {
      const batch = Array.from({length: 1 + rng.int(4)}, () => structuredClone(samples[rng.int(samples.length)]))
      const first = mutate(batch, rng)
      // A second mutation now and then, but not into a huge array (walking it is slow, and one item of it is as good as any).
      const did = rng.next() < 0.3 && !first.endsWith('huge array') ? `${first}, ${mutate(batch, rng)}` : first
      const context = `replay with PAXOS_WIRE_SEED=${seed}: run ${run}, ${did}`
      let parsed: Message[]
      try {
        parsed = parse({messages: batch})
      } catch (err) {
        expect(err, context).toBeInstanceOf(HttpError)
        expect((err as HttpError).status, context).toBe(400)
        refused++
        continue
      }
      // The core takes whatever the wire lets through without an invariant failure.
      const nodes = campaigning(run)
      expect(() => {
        for (const m of parsed) nodes.get(m.to)!.step(m)
        for (const node of nodes.values()) while (node.hasReady()) node.advance(node.ready())
      }, context).not.toThrow()
    }
    // Most mutations break a message; some (a member's id, a small int, a huge array of valid items) leave it valid.
    expect(refused).toBeGreaterThan(1000)
    expect(refused).toBeLessThan(2000)
  })
})
