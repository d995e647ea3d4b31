import {describe, expect, test} from 'vitest'

import {InvariantError} from '../../../src/core/common/invariant.js'
import {SeededRng} from '../../../src/core/common/rng.js'
import {LockTable} from '../../../src/core/lock/lock-table.js'
import {LockAnswer, LockCommand, ReplicatedLockOptions, ReplicatedLockTable} from '../../../src/core/lock/replicated-lock-table.js'
import {LockReply, Reply} from '../../../src/core/lock/types.js'

/**
 * A replicated table fed entries at consecutive log indexes (or jumps the
 * test asks for), every command proposed at the harness's clock.
 */
function harness(options: Partial<ReplicatedLockOptions> = {}) {
  const table = new ReplicatedLockTable(options)
  let at = 1_000_000
  let index = 0
  let nextRequester = 1
  const answers = new Map<string, LockReply[]>()
  const apply = (command: LockCommand, skip = 0): LockAnswer[] => {
    index += 1 + skip
    const out = table.apply(command, index)
    for (const a of out) answers.set(a.requester, [...(answers.get(a.requester) ?? []), a.reply])
    return out
  }
  const requester = () => `r${nextRequester++}`
  return {
    table,
    apply,
    get at() {
      return at
    },
    get index() {
      return index
    },
    advance(ms: number) {
      at += ms
    },
    acquire(name: string, owner: string, ttlMs = 1000, waitMs = 1000): string {
      const r = requester()
      apply({op: 'acquire', at, requester: r, name, owner, ttlMs, waitMs})
      return r
    },
    renew(name: string, owner: string, token: number, ttlMs = 1000): string {
      const r = requester()
      apply({op: 'renew', at, requester: r, name, owner, token, ttlMs})
      return r
    },
    release(name: string, owner: string, token: number): string {
      const r = requester()
      apply({op: 'release', at, requester: r, name, owner, token})
      return r
    },
    /** The one answer `r` got, if any. */
    reply(r: string): LockReply | undefined {
      const got = answers.get(r) ?? []
      expect(got.length, `answers to ${r}: ${JSON.stringify(got)}`).toBeLessThanOrEqual(1)
      return got[0]
    },
    token(r: string): number {
      const got = answers.get(r)?.[0]
      if (got?.type !== 'granted') throw new Error(`${r} was not granted: ${JSON.stringify(got)}`)
      return got.token
    },
  }
}

describe('grants and tokens', () => {
  test('a free lock is granted at once, and its token is the index of the granting entry', () => {
    const h = harness()
    h.apply({op: 'acquire', at: h.at, requester: 'a', name: 'x', owner: 'alice', ttlMs: 1000, waitMs: 0}, 4)
    expect(h.index).toBe(5)
    expect(h.reply('a')).toEqual({type: 'granted', token: 5, expiresAt: h.at + 1000, waitedMs: 0})
  })

  test('a waiter granted by a release gets the index of the release entry as its token, and its grant is answered before the release', () => {
    const h = harness()
    const first = h.token(h.acquire('x', 'alice'))
    const bob = h.acquire('x', 'bob')
    expect(h.reply(bob)).toBeUndefined()
    h.advance(10)
    const out = h.apply({op: 'release', at: h.at, requester: 'rel', name: 'x', owner: 'alice', token: first}, 7)
    expect(out.map((a) => [a.requester, a.reply.type])).toEqual([
      [bob, 'granted'],
      ['rel', 'released'],
    ])
    expect(h.token(bob)).toBe(h.index)
    expect(h.reply(bob)).toMatchObject({expiresAt: h.at + 1000, waitedMs: 10})
  })

  test('waiters are granted in FIFO order', () => {
    const h = harness()
    let token = h.token(h.acquire('x', 'o0'))
    const waiters = [1, 2, 3, 4].map((i) => h.acquire('x', `o${i}`))
    for (const [i, r] of waiters.entries()) {
      h.release('x', `o${i}`, token)
      token = h.token(r)
    }
  })

  test('an entry applied at or below the last applied index is an invariant failure, not a second grant', () => {
    const h = harness()
    h.acquire('x', 'alice')
    expect(() => h.table.apply({op: 'acquire', at: h.at, requester: 'again', name: 'y', owner: 'bob', ttlMs: 1000, waitMs: 0}, h.index)).toThrow(InvariantError)
  })

  test('the machine time never goes back: a grant proposed with an older clock reading leases from the latest one', () => {
    const h = harness()
    h.acquire('y', 'carol')
    const late = h.at
    h.apply({op: 'acquire', at: late - 500, requester: 'slow', name: 'x', owner: 'alice', ttlMs: 1000, waitMs: 0})
    expect(h.reply('slow')).toMatchObject({type: 'granted', expiresAt: late + 1000})
  })
})

describe('the lock server’s refusals', () => {
  test('already held, queue full, not holder and expired are refused with the lock server’s reasons and messages', () => {
    // Both tables grant their first lock token 1 (the first entry's index; the server's first token), so even the messages agree.
    const h = harness({maxWaitersPerLock: 1})
    const token = h.token(h.acquire('x', 'alice'))
    const y = h.token(h.acquire('y', 'dave'))
    const requests = [h.acquire('x', 'alice'), h.acquire('x', 'bob'), h.acquire('x', 'carol'), h.renew('x', 'alice', token + 5), h.release('x', 'bob', token)]
    h.advance(1000)
    requests.push(h.renew('y', 'dave', y))
    const mine = requests.map((r) => h.reply(r)).filter((r) => r !== undefined)

    const now = h.at - 1000
    const server = new LockTable(now, undefined, {maxWaitersPerLock: 1, horizonStepMs: 10_000})
    server.reserved(server.takeOutput(now).reserve!, now)
    const ask = {ttlMs: 1000, waitMs: 1000}
    server.acquire({requestId: 1, name: 'x', owner: 'alice', ...ask}, now)
    server.acquire({requestId: 2, name: 'y', owner: 'dave', ...ask}, now)
    server.acquire({requestId: 3, name: 'x', owner: 'alice', ...ask}, now)
    server.acquire({requestId: 4, name: 'x', owner: 'bob', ...ask}, now)
    server.acquire({requestId: 5, name: 'x', owner: 'carol', ...ask}, now)
    server.renew({requestId: 6, name: 'x', owner: 'alice', token: 1 + 5, ttlMs: 1000}, now)
    server.release({requestId: 7, name: 'x', owner: 'bob', token: 1}, now)
    server.renew({requestId: 8, name: 'y', owner: 'dave', token: 2, ttlMs: 1000}, now + 1000)
    const theirs = server
      .takeOutput(now + 1000)
      .replies.filter((r) => r.type === 'rejected')
      .map(({requestId: _, ...reply}: Reply) => reply)

    expect(theirs.map((r) => r.type === 'rejected' && r.reason)).toEqual(['already-held', 'queue-full', 'not-holder', 'not-holder', 'expired'])
    expect(mine).toEqual(theirs)
  })
})

describe('leases and expiry', () => {
  test('an expire entry before the machine time reaches the lease end is a no-op; at or after it, the oldest waiter gets the lock with that entry’s index', () => {
    const h = harness()
    const alice = h.acquire('x', 'alice', 1000, 5000)
    const bob = h.acquire('x', 'bob', 1000, 5000)
    const expiresAt = h.at + 1000
    expect(h.apply({op: 'expire', at: expiresAt - 1, name: 'x'})).toEqual([])
    expect(h.table.inspect('x', expiresAt - 1)).toMatchObject({holder: 'alice', token: h.token(alice), waiting: 1})
    h.apply({op: 'expire', at: expiresAt, name: 'x'})
    expect(h.reply(bob)).toMatchObject({type: 'granted', token: h.index, expiresAt: expiresAt + 1000})
  })

  test('a holder with nobody waiting expires lazily: the next acquire at or after its lease end is granted', () => {
    const h = harness()
    h.acquire('x', 'alice')
    expect(h.table.due(h.at + 5000)).toEqual([])
    h.advance(999)
    expect(h.reply(h.acquire('x', 'bob', 1000, 0))).toMatchObject({type: 'timeout'})
    h.advance(1)
    expect(h.token(h.acquire('x', 'carol'))).toBe(h.index)
  })

  test('renew extends only the live holder’s lease; a wrong token is refused and changes nothing', () => {
    const h = harness()
    const token = h.token(h.acquire('x', 'alice'))
    h.advance(500)
    expect(h.reply(h.renew('x', 'alice', token + 1, 2000))).toMatchObject({type: 'rejected', reason: 'not-holder'})
    expect(h.table.inspect('x', h.at)).toMatchObject({holder: 'alice', expiresAt: h.at + 500})
    expect(h.reply(h.renew('x', 'alice', token, 2000))).toEqual({type: 'renewed', expiresAt: h.at + 2000})
  })

  test('a renew or release after the lease end is refused as expired and hands the lock to the oldest waiter at that entry', () => {
    const h = harness()
    const token = h.token(h.acquire('x', 'alice'))
    const bob = h.acquire('x', 'bob', 1000, 5000)
    h.advance(1000)
    expect(h.reply(h.release('x', 'alice', token))).toMatchObject({type: 'rejected', reason: 'expired'})
    expect(h.token(bob)).toBe(h.index)
  })

  test('with a clock skew bound, a lock stays occupied that long past its lease end', () => {
    const h = harness({clockSkewMs: 50})
    h.acquire('x', 'alice')
    const bob = h.acquire('x', 'bob', 1000, 5000)
    expect(h.table.nextDeadlineMs()).toBe(h.at + 1050)
    h.apply({op: 'expire', at: h.at + 1049, name: 'x'})
    expect(h.reply(bob)).toBeUndefined()
    h.apply({op: 'expire', at: h.at + 1050, name: 'x'})
    expect(h.reply(bob)).toMatchObject({type: 'granted'})
  })
})

describe('what the leader proposes', () => {
  test('due lists the expiry of a lease someone waits behind and each wait that ran out, earliest first, with the leader’s clock as at', () => {
    const h = harness()
    h.acquire('x', 'alice', 1000)
    const bob = h.acquire('x', 'bob', 1000, 600)
    h.acquire('y', 'carol', 300)
    expect(h.table.nextDeadlineMs()).toBe(h.at + 600)
    expect(h.table.due(h.at + 599)).toEqual([])
    const now = h.at + 2000
    expect(h.table.due(now)).toEqual([
      {op: 'timeout', at: now, requester: bob},
      {op: 'expire', at: now, name: 'x'},
    ])
  })

  test('a renewal moves the proposed expiry to the new lease end', () => {
    const h = harness()
    const token = h.token(h.acquire('x', 'alice', 1000))
    h.acquire('x', 'bob', 1000, 60_000)
    h.advance(500)
    h.renew('x', 'alice', token, 1000)
    expect(h.table.nextDeadlineMs()).toBe(h.at + 1000)
  })

  test('nothing is due once the waits and leases behind it are settled', () => {
    const h = harness()
    const token = h.token(h.acquire('x', 'alice', 1000))
    const bob = h.acquire('x', 'bob', 1000, 600)
    h.release('x', 'alice', token)
    h.release('x', 'bob', h.token(bob))
    expect(h.table.nextDeadlineMs()).toBeUndefined()
    expect(h.table.summary(h.at)).toMatchObject({locks: 0, held: 0, waiting: 0})
  })
})

describe('waits', () => {
  test('a waiter granted before its timeout entry applies keeps the grant; the timeout is a no-op', () => {
    const h = harness()
    const token = h.token(h.acquire('x', 'alice'))
    const bob = h.acquire('x', 'bob', 1000, 100)
    h.advance(100)
    const [timeout] = h.table.due(h.at)
    h.release('x', 'alice', token)
    expect(h.apply(timeout!)).toEqual([])
    expect(h.reply(bob)).toMatchObject({type: 'granted'})
  })

  test('a waiter timed out before the release applies is answered timeout and never granted; the release frees the lock', () => {
    const h = harness()
    const token = h.token(h.acquire('x', 'alice'))
    const bob = h.acquire('x', 'bob', 1000, 100)
    h.advance(100)
    h.apply(h.table.due(h.at)[0]!)
    expect(h.reply(bob)).toEqual({type: 'timeout', waitedMs: 100})
    h.release('x', 'alice', token)
    expect(h.reply(bob)).toEqual({type: 'timeout', waitedMs: 100})
    expect(h.table.inspect('x', h.at)).toMatchObject({holder: null, waiting: 0})
  })

  test('a timeout entry before the waiter’s deadline is a no-op', () => {
    const h = harness()
    h.acquire('x', 'alice')
    const bob = h.acquire('x', 'bob', 1000, 100)
    h.apply({op: 'timeout', at: h.at + 99, requester: bob})
    expect(h.reply(bob)).toBeUndefined()
  })

  test('an acquire with no wait on a held lock is answered timeout by its own entry', () => {
    const h = harness()
    h.acquire('x', 'alice')
    expect(h.reply(h.acquire('x', 'bob', 1000, 0))).toEqual({type: 'timeout', waitedMs: 0})
    expect(h.table.inspect('x', h.at).waiting).toBe(0)
  })

  test('a cancelled waiter is skipped; a cancel for a granted requester changes nothing', () => {
    const h = harness()
    const alice = h.acquire('x', 'alice')
    const bob = h.acquire('x', 'bob')
    const carol = h.acquire('x', 'carol')
    h.apply({op: 'cancel', at: h.at, requester: bob})
    h.apply({op: 'cancel', at: h.at, requester: alice})
    h.release('x', 'alice', h.token(alice))
    expect(h.reply(bob)).toBeUndefined()
    expect(h.token(carol)).toBe(h.index)
  })
})

describe('a retry by the same owner', () => {
  test('takes its earlier request’s place in line: the earlier one is told superseded, the later one gets the grant', () => {
    const h = harness()
    const token = h.token(h.acquire('x', 'alice'))
    const first = h.acquire('x', 'bob', 1000, 100)
    const carol = h.acquire('x', 'carol', 1000, 10_000)
    h.advance(50)
    const retry = h.acquire('x', 'bob', 2000, 5000)
    expect(h.reply(first)).toMatchObject({type: 'rejected', reason: 'superseded'})
    expect(h.table.inspect('x', h.at).waiting).toBe(2)
    // The earlier request's wait and client are gone with it.
    h.advance(100)
    h.apply({op: 'timeout', at: h.at, requester: first})
    h.apply({op: 'cancel', at: h.at, requester: first})
    h.release('x', 'alice', token)
    expect(h.reply(retry)).toMatchObject({type: 'granted', expiresAt: h.at + 2000, waitedMs: 150})
    expect(h.reply(carol)).toBeUndefined()
  })

  test('while holding is refused as already held', () => {
    const h = harness()
    h.acquire('x', 'alice')
    expect(h.reply(h.acquire('x', 'alice'))).toMatchObject({type: 'rejected', reason: 'already-held'})
  })
})

describe('snapshots', () => {
  test('FIFO order, holders, waits and the machine time survive serialize and restore', () => {
    const h = harness()
    const token = h.token(h.acquire('x', 'o0'))
    const waiters = [1, 2, 3].map((i) => h.acquire('x', `o${i}`, 1000 + i, 10_000))
    h.apply({op: 'cancel', at: h.at, requester: waiters[1]!})
    const restored = new ReplicatedLockTable()
    restored.restore(h.table.serialize())
    expect(restored.serialize()).toBe(h.table.serialize())
    // Deadlines that tie may come in either order.
    const due = (t: ReplicatedLockTable) => t.due(h.at + 10_000).map((c) => JSON.stringify(c)).sort()
    expect(due(restored)).toEqual(due(h.table))
    const release: LockCommand = {op: 'release', at: h.at - 10, requester: 'rel', name: 'x', owner: 'o0', token}
    expect(restored.apply(release, h.index + 1)).toEqual([
      {requester: waiters[0], reply: {type: 'granted', token: h.index + 1, expiresAt: h.at + 1001, waitedMs: 0}},
      {requester: 'rel', reply: {type: 'released'}},
    ])
  })

  test('restoring the empty snapshot forgets everything', () => {
    const h = harness()
    h.acquire('x', 'alice')
    h.table.restore('')
    expect(h.table.serialize()).toBe(new ReplicatedLockTable().serialize())
    expect(h.table.apply({op: 'acquire', at: 1, requester: 'a', name: 'x', owner: 'bob', ttlMs: 10, waitMs: 0}, 1)).toMatchObject([{reply: {type: 'granted', token: 1}}])
  })
})

/**
 * A random log: clients acquire, renew and release three locks with right
 * and wrong tokens, retry, give up; the leader proposes what is due, and
 * leaders' clocks disagree a little (an `at` may be below the machine time).
 * Checks each grant as it applies: its token is its entry's index and no
 * two leases of a lock overlap in machine time.
 */
function randomLog(seed: number, steps: number) {
  const rng = new SeededRng(seed)
  const table = new ReplicatedLockTable({maxWaitersPerLock: 3})
  const commands: Array<{command: LockCommand; index: number}> = []
  const answers: LockAnswer[][] = []
  const snapshots: string[] = []
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)]!
  const names = ['x', 'y', 'z']
  const owners = ['a', 'b', 'c', 'd', 'e']
  const acquires = new Map<string, {name: string; owner: string}>()
  const held = new Map<string, {owner: string; token: number; expiresAt: number; released: boolean}>()
  let clock = 1_000
  let time = 0
  let index = 0
  let n = 0
  for (let step = 0; step < steps; step++) {
    clock += rng.int(150)
    const at = clock - rng.int(50)
    const holder = held.get(pick(names))
    const token = holder && rng.next() < 0.8 ? holder.token : index - rng.int(5)
    const requester = `r${n++}`
    const kind = rng.int(10)
    let command: LockCommand
    if (kind < 4) {
      command = {op: 'acquire', at, requester, name: pick(names), owner: pick(owners), ttlMs: 100 + rng.int(400), waitMs: rng.int(600)}
      acquires.set(requester, command)
    } else if (kind < 5) command = {op: 'renew', at, requester, name: pick(names), owner: holder?.owner ?? pick(owners), token, ttlMs: 100 + rng.int(400)}
    else if (kind < 7) command = {op: 'release', at, requester, name: pick(names), owner: holder?.owner ?? pick(owners), token}
    else if (kind < 9) command = pick([...table.due(at), {op: 'expire', at, name: pick(names)}, {op: 'timeout', at, requester: `r${rng.int(n)}`}])
    else command = {op: 'cancel', at, requester: `r${rng.int(n)}`}
    snapshots.push(table.serialize())
    index += 1 + rng.int(3)
    time = Math.max(time, at)
    const out = table.apply(command, index)
    commands.push({command, index})
    answers.push(out)
    // A release answers after the grant it made way for, but happened before it.
    const current = 'name' in command ? held.get(command.name) : undefined
    for (const {reply} of out) {
      if (reply.type === 'renewed') current!.expiresAt = reply.expiresAt
      if (reply.type === 'released') current!.released = true
    }
    for (const {requester: r, reply} of out) {
      if (reply.type !== 'granted') continue
      const {name, owner} = acquires.get(r)!
      const before = held.get(name)
      expect(reply.token, 'a grant’s token is its entry’s index').toBe(index)
      if (before) expect(before.released || before.expiresAt <= time, `lock ${name} granted to ${owner} at ${time} while ${before.owner}'s lease runs to ${before.expiresAt}`).toBe(true)
      if (before) expect(reply.token).toBeGreaterThan(before.token)
      held.set(name, {owner, token: reply.token, expiresAt: reply.expiresAt, released: false})
    }
  }
  return {table, commands, answers, snapshots}
}

describe('determinism', () => {
  test.each([1, 2, 3, 4])('a table restored from a snapshot at any point applies the rest of the log as the original did (seed %i)', (seed) => {
    const {table, commands, answers, snapshots} = randomLog(seed, 2000)
    expect(answers.flat().filter((a) => a.reply.type === 'granted').length).toBeGreaterThan(100)
    for (const at of [0, 1, 777, 1500, 1999, 1990 - seed]) {
      const restored = new ReplicatedLockTable({maxWaitersPerLock: 3})
      restored.restore(snapshots[at]!)
      expect(commands.slice(at).map(({command, index}) => restored.apply(command, index))).toEqual(answers.slice(at))
      expect(restored.serialize()).toBe(table.serialize())
    }
  })
})
