import {describe, expect, test} from 'vitest'

import {LOCK_LIMITS} from '../../../src/core/lock/limits.js'
import {LockTable} from '../../../src/core/lock/lock-table.js'
import {Reply, Reservation} from '../../../src/core/lock/types.js'

/** A table whose reservations are made durable at once, with time under the test's control. */
function harness(options: {recovered?: Reservation; tokenBlock?: number; horizonStepMs?: number; maxWaitersPerLock?: number} = {}) {
  let now = 1_000_000
  let nextId = 1
  const table = new LockTable(now, options.recovered, options)
  const replies = new Map<number, Reply>()
  const reservations: Reservation[] = []
  let autoReserve = true
  const drain = () => {
    for (let i = 0; i < 10; i++) {
      const out = table.takeOutput(now)
      for (const r of out.replies) replies.set(r.requestId, r)
      if (!out.reserve) return
      reservations.push(out.reserve)
      if (!autoReserve) return
      table.reserved(out.reserve, now)
    }
  }
  drain()
  return {
    table,
    reservations,
    get now() {
      return now
    },
    advance(ms: number) {
      now += ms
      table.tick(now)
      drain()
    },
    holdReservations() {
      autoReserve = false
    },
    confirm(r: Reservation) {
      table.reserved(r, now)
      drain()
    },
    acquire(name: string, owner: string, ttlMs = 1000, waitMs = 1000): number {
      const id = nextId++
      table.acquire({requestId: id, name, owner, ttlMs, waitMs}, now)
      drain()
      return id
    },
    renew(name: string, owner: string, token: number, ttlMs = 1000): number {
      const id = nextId++
      table.renew({requestId: id, name, owner, token, ttlMs}, now)
      drain()
      return id
    },
    release(name: string, owner: string, token: number): number {
      const id = nextId++
      table.release({requestId: id, name, owner, token}, now)
      drain()
      return id
    },
    reply: (id: number) => replies.get(id),
    token(id: number): number {
      const r = replies.get(id)
      if (r?.type !== 'granted') throw new Error(`request ${id} was not granted: ${JSON.stringify(r)}`)
      return r.token
    },
  }
}

describe('acquire', () => {
  test('a free lock is granted at once with a token', () => {
    const h = harness()
    const id = h.acquire('a', 'alice')
    expect(h.reply(id)).toMatchObject({type: 'granted', token: 1, expiresAt: h.now + 1000, waitedMs: 0})
  })

  test('a held lock queues the request until release, then grants it with a higher token', () => {
    const h = harness()
    const first = h.token(h.acquire('a', 'alice'))
    const waiting = h.acquire('a', 'bob')
    expect(h.reply(waiting)).toBeUndefined()
    expect(h.table.inspect('a', h.now)).toMatchObject({holder: 'alice', token: first, waiting: 1})
    h.advance(5)
    h.release('a', 'alice', first)
    expect(h.reply(waiting)).toMatchObject({type: 'granted', waitedMs: 5})
    expect(h.token(waiting)).toBeGreaterThan(first)
  })

  test('waiters are granted in FIFO order', () => {
    const h = harness()
    let token = h.token(h.acquire('a', 'o0'))
    const waiters = [1, 2, 3, 4].map((i) => h.acquire('a', `o${i}`))
    for (const [i, id] of waiters.entries()) {
      h.release('a', `o${i}`, token)
      token = h.token(id)
    }
    expect(waiters.map((id) => h.reply(id)?.type)).toEqual(['granted', 'granted', 'granted', 'granted'])
  })

  test('a granted or cancelled waiter leaves no wait deadline behind', () => {
    const h = harness()
    const token = h.token(h.acquire('a', 'alice', 1000))
    const bob = h.acquire('a', 'bob', 1000, 60_000)
    const carol = h.acquire('a', 'carol', 1000, 60_000)
    h.table.cancel(carol)
    h.release('a', 'alice', token)
    expect(h.token(bob)).toBeGreaterThan(token)
    // Only alice's lease expiry (scheduled while bob waited) remains; once it passes there is nothing.
    expect(h.table.nextDeadlineMs()).toBe(h.now + 1000)
    h.advance(1000)
    expect(h.table.nextDeadlineMs()).toBeUndefined()
  })

  test('a waiter whose wait passes gets a timeout and is never granted later', () => {
    const h = harness()
    const token = h.token(h.acquire('a', 'alice', 10_000))
    const waiting = h.acquire('a', 'bob', 1000, 50)
    h.advance(50)
    expect(h.reply(waiting)).toMatchObject({type: 'timeout', waitedMs: 50})
    h.release('a', 'alice', token)
    expect(h.table.inspect('a', h.now)).toMatchObject({holder: null, waiting: 0})
  })

  test('a cancelled waiter (client gone) is skipped', () => {
    const h = harness()
    const token = h.token(h.acquire('a', 'alice'))
    const gone = h.acquire('a', 'bob')
    const next = h.acquire('a', 'carol')
    h.table.cancel(gone)
    h.release('a', 'alice', token)
    expect(h.reply(gone)).toBeUndefined()
    expect(h.reply(next)?.type).toBe('granted')
  })

  test('the holder asking again is rejected instead of deadlocking on itself', () => {
    const h = harness()
    h.acquire('a', 'alice')
    expect(h.reply(h.acquire('a', 'alice'))).toMatchObject({type: 'rejected', reason: 'already-held'})
  })

  test('a full wait queue rejects new waiters', () => {
    const h = harness({maxWaitersPerLock: 2})
    h.acquire('a', 'o0')
    h.acquire('a', 'o1')
    h.acquire('a', 'o2')
    expect(h.reply(h.acquire('a', 'o3'))).toMatchObject({type: 'rejected', reason: 'queue-full'})
  })
})

describe('leases', () => {
  test('a holder that stops renewing loses the lock at its TTL and the next waiter gets a higher token', () => {
    const h = harness()
    const old = h.token(h.acquire('a', 'alice', 100))
    const waiting = h.acquire('a', 'bob', 100, 10_000)
    h.advance(99)
    expect(h.reply(waiting)).toBeUndefined()
    h.advance(1)
    expect(h.token(waiting)).toBeGreaterThan(old)
  })

  test('a short lease after a long one hands the lock on when it expires, not when the long one would have', () => {
    const h = harness()
    const alice = h.token(h.acquire('a', 'alice', 10_000))
    const bob = h.acquire('a', 'bob', 100, 10_000)
    h.release('a', 'alice', alice)
    h.token(bob)
    const carol = h.acquire('a', 'carol', 100, 10_000)
    h.advance(100)
    expect(h.reply(carol)).toMatchObject({type: 'granted', waitedMs: 100})
  })

  test('a late release or renew by the expired holder is rejected and changes nothing', () => {
    const h = harness()
    const old = h.token(h.acquire('a', 'alice', 100))
    const bob = h.acquire('a', 'bob', 1000, 10_000)
    h.advance(100)
    const before = h.table.inspect('a', h.now)
    expect(h.reply(h.release('a', 'alice', old))).toMatchObject({type: 'rejected', reason: 'not-holder'})
    expect(h.reply(h.renew('a', 'alice', old))).toMatchObject({type: 'rejected', reason: 'not-holder'})
    expect(h.table.inspect('a', h.now)).toEqual(before)
    expect(before.token).toBe(h.token(bob))
  })

  test('an expired holder with nobody waiting is told its lease expired', () => {
    const h = harness()
    const token = h.token(h.acquire('a', 'alice', 100))
    h.advance(150)
    expect(h.reply(h.release('a', 'alice', token))).toMatchObject({type: 'rejected', reason: 'expired'})
  })

  test('renew extends the lease of the holder only', () => {
    const h = harness()
    const token = h.token(h.acquire('a', 'alice', 100))
    h.advance(90)
    expect(h.reply(h.renew('a', 'alice', token, 100))).toMatchObject({type: 'renewed', expiresAt: h.now + 100})
    expect(h.reply(h.renew('a', 'mallory', token, 100))).toMatchObject({type: 'rejected', reason: 'not-holder'})
    expect(h.reply(h.renew('a', 'alice', token + 1, 100))).toMatchObject({type: 'rejected', reason: 'not-holder'})
    h.advance(90)
    expect(h.table.inspect('a', h.now).holder).toBe('alice')
  })

  test('release with the wrong owner or token is rejected and the lock is unchanged', () => {
    const h = harness()
    const token = h.token(h.acquire('a', 'alice'))
    const before = h.table.inspect('a', h.now)
    expect(h.reply(h.release('a', 'bob', token))).toMatchObject({type: 'rejected', reason: 'not-holder'})
    expect(h.reply(h.release('a', 'alice', token + 7))).toMatchObject({type: 'rejected', reason: 'not-holder'})
    expect(h.reply(h.release('nope', 'alice', token))).toMatchObject({type: 'rejected', reason: 'not-holder'})
    expect(h.table.inspect('a', h.now)).toEqual(before)
  })
})

describe('durable reservations', () => {
  test('no token is issued beyond a durable reservation: grants wait for it', () => {
    const h = harness({tokenBlock: 2})
    h.holdReservations()
    const a = h.token(h.acquire('a', 'o'))
    const b = h.token(h.acquire('b', 'o'))
    const c = h.acquire('c', 'o')
    expect([a, b]).toEqual([1, 2])
    expect(h.reply(c)).toBeUndefined()
    let confirmedLimit = 2
    for (let i = 0; i < 5 && !h.reply(c); i++) {
      const pending = h.reservations.at(-1)!
      h.confirm(pending)
      confirmedLimit = Math.max(confirmedLimit, pending.tokenLimit)
    }
    expect(h.token(c)).toBe(3)
    expect(confirmedLimit).toBeGreaterThanOrEqual(3)
  })

  test('one reservation serves many grants (no fsync per grant)', () => {
    const h = harness({tokenBlock: 1000})
    for (let i = 0; i < 400; i++) h.release(`l${i}`, 'o', h.token(h.acquire(`l${i}`, 'o')))
    expect(h.reservations.length).toBeLessThanOrEqual(2)
  })

  test('no lease outlives the durable lease horizon', () => {
    const h = harness()
    h.holdReservations()
    for (const ttl of [10, 500, 5000, 60_000]) {
      const id = h.acquire(`l${ttl}`, 'o', ttl)
      const r = h.reply(id) ?? (h.confirm(h.reservations.at(-1)!), h.reply(id))
      expect(r?.type).toBe('granted')
      const horizon = Math.max(...h.reservations.map((x) => x.leaseHorizonMs))
      if (r?.type === 'granted') expect(r.expiresAt).toBeLessThanOrEqual(horizon)
    }
  })

  // Longer than the holder's renewals plus the horizon step: only a reservation of its own covers the grant.
  test.each([5000, LOCK_LIMITS.ttlMsMax])('a long-lease waiter is granted a freed lock after one reservation (ttl %i ms)', (ttlMs) => {
    const h = harness({horizonStepMs: 1000})
    const alice = h.token(h.acquire('a', 'alice', 1000))
    const bob = h.acquire('a', 'bob', ttlMs, 8000)
    for (let i = 0; i < 6; i++) {
      h.advance(500)
      h.renew('a', 'alice', alice, 1000)
    }
    h.holdReservations()
    const before = h.reservations.length
    h.release('a', 'alice', alice)
    expect(h.reservations.length, 'reservations asked for by the release').toBe(before + 1)
    const reservation = h.reservations.at(-1)!
    h.advance(5)
    expect(h.reply(bob), 'granted before its lease is durable').toBeUndefined()
    h.confirm(reservation)
    expect(h.reply(bob)).toMatchObject({type: 'granted', expiresAt: h.now + ttlMs})
    expect(reservation.leaseHorizonMs).toBeGreaterThanOrEqual(h.now + ttlMs)
    expect(h.reservations.length, 'reservations until the grant').toBe(before + 1)
  })

  test('after a restart, tokens start above every reserved token', () => {
    const h = harness()
    const before = h.token(h.acquire('a', 'o'))
    const saved = h.reservations.at(-1)!
    const restarted = harness({recovered: {tokenLimit: saved.tokenLimit, leaseHorizonMs: 0}})
    expect(restarted.token(restarted.acquire('a', 'o'))).toBeGreaterThan(Math.max(before, saved.tokenLimit))
  })

  test('after a restart, nothing is granted while a lease granted before the crash could still be valid', () => {
    const h = harness()
    h.acquire('a', 'alice', 5000)
    const saved = h.reservations.at(-1)!
    const restarted = harness({recovered: saved})
    const bob = restarted.acquire('a', 'bob', 1000, 60_000)
    restarted.advance(saved.leaseHorizonMs - restarted.now - 1)
    expect(restarted.reply(bob)).toBeUndefined()
    restarted.advance(1)
    expect(restarted.reply(bob)?.type).toBe('granted')
  })
})

test('extending the lease horizon does not burn tokens', () => {
  const h = harness({tokenBlock: 100, horizonStepMs: 10})
  for (let i = 0; i < 50; i++) {
    h.release('a', 'o', h.token(h.acquire('a', 'o', 20)))
    h.advance(10)
  }
  expect(h.reservations.length).toBeGreaterThan(10)
  expect(Math.max(...h.reservations.map((r) => r.tokenLimit))).toBeLessThanOrEqual(200)
})

test('a wait held up only by a reservation fsync is granted when the fsync completes, or ends a second past its deadline', () => {
  const h = harness({tokenBlock: 1})
  h.holdReservations()
  h.release('a', 'o', h.token(h.acquire('a', 'o')))
  const slowDisk = h.acquire('b', 'o', 1000, 0)
  h.advance(500)
  expect(h.reply(slowDisk)).toBeUndefined()
  h.confirm(h.reservations.at(-1)!)
  expect(h.reply(slowDisk)?.type).toBe('granted')

  const deadDisk = h.acquire('c', 'o', 1000, 0)
  h.advance(990)
  expect(h.reply(deadDisk)).toBeUndefined()
  h.advance(20)
  expect(h.reply(deadDisk)?.type).toBe('timeout')
})
