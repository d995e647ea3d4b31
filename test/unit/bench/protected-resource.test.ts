import {expect, test} from 'vitest'

import {jainIndex} from '../../../src/bench/lock/lock-workload.js'
import {ProtectedResource} from '../../../src/bench/lock/protected-resource.js'

test('entering while another lease is still valid counts an overlap', () => {
  const r = new ProtectedResource(true, 1)
  r.enter(0, 1, 5, 2000, 1000, 1000)
  r.enter(0, 2, 6, 3000, 1500, 1500)
  expect(r.report()).toMatchObject({violations: 1, overlaps: 1})
})

test('entering after the previous lease ended is fine, and the late holder is fenced off', () => {
  const r = new ProtectedResource(true, 1)
  r.enter(0, 1, 5, 2000, 1000, 1000)
  r.enter(0, 2, 6, 4000, 2500, 2500)
  expect(r.write(0, 5)).toBe(false)
  expect(r.write(0, 6)).toBe(true)
  expect(r.report()).toMatchObject({violations: 0, staleWritesRejected: 1})
})

test('a grant whose token is not above the last one counts a token-order violation', () => {
  const r = new ProtectedResource(true, 1)
  r.enter(0, 1, 9, 2000, 1000, 1000)
  r.exit(0, 1, 1050)
  r.enter(0, 2, 9, 2000, 1100, 1100)
  expect(r.report()).toMatchObject({violations: 1, tokenOrderViolations: 1})
})

test("a lock's first token may be 0 (ZooKeeper's first sequence number), and a token of 0 after it is out of order", () => {
  const r = new ProtectedResource(true, 1)
  r.enter(0, 1, 0, 2000, 1000, 1000)
  expect(r.report()).toMatchObject({violations: 0})
  r.exit(0, 1, 1050)
  r.enter(0, 2, 0, 2000, 1100, 1100)
  expect(r.report()).toMatchObject({violations: 1, tokenOrderViolations: 1})
})

test('without fencing tokens only overlaps are checked', () => {
  const r = new ProtectedResource(false, 1)
  r.enter(0, 1, undefined, 2000, 1000, 1000)
  r.exit(0, 1, 1100)
  r.enter(0, 2, undefined, 3000, 1200, 1200)
  expect(r.write(0, undefined)).toBe(true)
  expect(r.report()).toMatchObject({violations: 0, fencing: false})
})

test("two views of one shared resource see each other's holders, as the threads of a --threads run do", () => {
  const main = new ProtectedResource(true, 2)
  const worker = new ProtectedResource(true, 2, main.buffer)
  main.enter(1, 1, 5, 2000, 1000, 1000)
  worker.enter(1, 2, 4, 3000, 1500, 1500)
  expect(worker.write(1, 4)).toBe(false)
  expect(main.write(1, 5)).toBe(true)
  expect(main.report()).toEqual(worker.report())
  expect(main.report()).toMatchObject({overlaps: 1, tokenOrderViolations: 1, staleWritesRejected: 1})
})

test('the hand-off gap is how long the resource stood empty between holders, seen across threads', () => {
  const main = new ProtectedResource(true, 1)
  const worker = new ProtectedResource(true, 1, main.buffer)
  expect(main.enter(0, 1, 1, 2000, 1000, 1000)).toBeUndefined()
  main.exit(0, 1, 1010.5)
  expect(worker.enter(0, 2, 2, 3000, 1012, 1012.75)).toBe(2.25)
})

test("Jain's index is 1 for equal shares and 1/n when one client gets everything", () => {
  expect(jainIndex([5, 5, 5, 5])).toBe(1)
  expect(jainIndex([8, 0, 0, 0])).toBe(0.25)
})
