import {expect, test} from 'vitest'

import {jainIndex} from '../../../src/bench/lock/lock-workload.js'
import {ProtectedResource} from '../../../src/bench/lock/protected-resource.js'

test('entering while another lease is still valid counts an overlap', () => {
  const r = new ProtectedResource(true)
  r.enter('a', 1, 5, 2000, 1000)
  r.enter('a', 2, 6, 3000, 1500)
  expect(r.report()).toMatchObject({violations: 1, overlaps: 1})
})

test('entering after the previous lease ended is fine, and the late holder is fenced off', () => {
  const r = new ProtectedResource(true)
  r.enter('a', 1, 5, 2000, 1000)
  r.enter('a', 2, 6, 4000, 2500)
  expect(r.write('a', 5)).toBe(false)
  expect(r.write('a', 6)).toBe(true)
  expect(r.report()).toMatchObject({violations: 0, staleWritesRejected: 1})
})

test('a grant whose token is not above the last one counts a token-order violation', () => {
  const r = new ProtectedResource(true)
  r.enter('a', 1, 9, 2000, 1000)
  r.exit('a', 1)
  r.enter('a', 2, 9, 2000, 1100)
  expect(r.report()).toMatchObject({violations: 1, tokenOrderViolations: 1})
})

test('without fencing tokens only overlaps are checked', () => {
  const r = new ProtectedResource(false)
  r.enter('a', 1, undefined, 2000, 1000)
  r.exit('a', 1)
  r.enter('a', 2, undefined, 3000, 1200)
  expect(r.write('a', undefined)).toBe(true)
  expect(r.report()).toMatchObject({violations: 0, fencing: false})
})

test("Jain's index is 1 for equal shares and 1/n when one client gets everything", () => {
  expect(jainIndex([5, 5, 5, 5])).toBe(1)
  expect(jainIndex([8, 0, 0, 0])).toBe(0.25)
})
