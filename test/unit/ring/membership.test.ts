import {describe, expect, it} from 'vitest'

import {nextMembership, nextNodeNumber, nodeIds} from '../../../src/core/ring/membership.js'

describe('nextMembership keeps survivors in their jump buckets where it can', () => {
  const five = nodeIds(5)

  it('appends added nodes', () => {
    expect(nextMembership(five, {add: ['n5', 'n6'], remove: []})).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6'])
  })

  it('drops the last node without moving anyone', () => {
    expect(nextMembership(five, {add: [], remove: ['n4']})).toEqual(['n0', 'n1', 'n2', 'n3'])
  })

  it('fills a middle hole with the last node (swap-with-last)', () => {
    expect(nextMembership(five, {add: [], remove: ['n1']})).toEqual(['n0', 'n4', 'n2', 'n3'])
  })

  it('puts an added node into the slot of a removed one', () => {
    expect(nextMembership(five, {add: ['n5'], remove: ['n2']})).toEqual(['n0', 'n1', 'n5', 'n3', 'n4'])
  })

  it('handles removals that include the last node', () => {
    expect(nextMembership(five, {add: [], remove: ['n1', 'n4']})).toEqual(['n0', 'n3', 'n2'])
  })

  it('rejects removing a node that is not a member, twice, or everyone', () => {
    expect(() => nextMembership(five, {add: [], remove: ['n9']})).toThrow(/cannot remove node "n9"/)
    expect(() => nextMembership(five, {add: [], remove: ['n1', 'n1']})).toThrow(/twice/)
    expect(() => nextMembership(five, {add: [], remove: five})).toThrow(/leave none/)
    expect(() => nextMembership(five, {add: ['n0'], remove: []})).toThrow(/already a member/)
  })

  it('numbers new nodes after the highest existing id', () => {
    expect(nextNodeNumber(['n0', 'n7', 'x12'])).toBe(8)
    expect(nodeIds(2, 8)).toEqual(['n8', 'n9'])
  })
})
