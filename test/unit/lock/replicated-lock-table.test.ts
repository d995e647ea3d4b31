import {describe, expect, test} from 'vitest'

import {InvariantError} from '../../../src/core/common/invariant.js'
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
