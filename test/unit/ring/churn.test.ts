import {describe, expect, it} from 'vitest'

import {SeededRng} from '../../../src/core/common/rng.js'
import {
  type AlgorithmName,
  DEFAULT_PLACEMENT_OPTIONS,
  measureChurn,
  nextMembership,
  nodeIds,
  type PlacementOptions,
  syntheticKeys,
} from '../../../src/core/ring/index.js'

// 200k keys: sampling noise on a ~1/11 moved fraction is ~0.7% relative, far
// inside the 10% tolerance, so the checks measure the algorithms, not luck.
const KEY_SEED = 2024
const keys = syntheticKeys(200_000, new SeededRng(KEY_SEED))
const frozenClock = () => 0
const ten = nodeIds(10)
const eleven = nodeIds(11)

function churn(algorithm: AlgorithmName, before: readonly string[], after: readonly string[], overrides: Partial<PlacementOptions> = {}) {
  return measureChurn(algorithm, before, after, keys, {...DEFAULT_PLACEMENT_OPTIONS, ...overrides}, frozenClock)
}

describe('minimal movement: ring (≥100 vnodes), jump and rendezvous move within 10% of ideal', () => {
  // A ring node's share has relative spread ≈ 1/√vnodes, so 1000 vnodes (≈3%)
  // makes "within 10%" a property of the algorithm rather than of n10's points.
  const cases: [AlgorithmName, Partial<PlacementOptions>][] = [
    ['ring', {vnodes: 1000}],
    ['jump', {}],
    ['rendezvous', {}],
  ]
  for (const [algorithm, overrides] of cases) {
    it(`${algorithm}: adding 1 node to 10 moves ≈ 1/11 of the keys, none between survivors (key seed ${KEY_SEED})`, () => {
      const result = churn(algorithm, ten, eleven, overrides)
      expect(result.idealFraction).toBeCloseTo(1 / 11, 12)
      expect(result.movedOverIdeal).toBeGreaterThan(0.9)
      expect(result.movedOverIdeal).toBeLessThan(1.1)
      expect(result.movedBetweenSurvivors).toBe(0)
    })

    it(`${algorithm}: removing the last of 11 nodes moves ≈ 1/11 of the keys, none between survivors (key seed ${KEY_SEED})`, () => {
      const result = churn(algorithm, eleven, ten, overrides)
      expect(result.movedOverIdeal).toBeGreaterThan(0.9)
      expect(result.movedOverIdeal).toBeLessThan(1.1)
      expect(result.movedBetweenSurvivors).toBe(0)
    })
  }
})

describe('jump hash cannot remove a middle bucket for free', () => {
  it('removing n3 of 10 renumbers n9 into bucket 3: about twice the ideal movement, and the output says so', () => {
    const after = nextMembership(ten, {add: [], remove: ['n3']})
    const result = churn('jump', ten, after)
    expect(result.movedBetweenSurvivors).toBeGreaterThan(0)
    expect(result.movedOverIdeal).toBeGreaterThan(1.5)
    expect(result.notes.join(' ')).toMatch(/n9 filled \(swap-with-last\)/)
  })

  it('replacing n3 with a new node moves only n3’s keys', () => {
    const after = nextMembership(ten, {add: ['n10'], remove: ['n3']})
    const result = churn('jump', ten, after)
    expect(result.idealFraction).toBeCloseTo(0.1, 12)
    expect(result.movedBetweenSurvivors).toBe(0)
    expect(result.movedOverIdeal).toBeCloseTo(1, 1)
  })
})

describe('maglev: near-perfect balance, bounded excess movement', () => {
  it('with the default 655373-slot table (≥ 100·N) adding 1 node to 10 stays within 1.5× ideal and slot shares within 1% of the mean', () => {
    const result = churn('maglev', ten, eleven)
    expect(result.movedOverIdeal).toBeLessThan(1.5)
    // The table split is exact; the key-level max/mean adds sampling noise of ~√(N/keys).
    expect(result.hashSpaceBalanceAfter?.maxOverMean).toBeLessThanOrEqual(1.01)
    expect(result.notes).toEqual([])
  })

  it('with the default table adding 1 node to 100 also stays within 1.5× ideal', () => {
    const result = churn('maglev', nodeIds(100), nodeIds(101))
    expect(result.movedOverIdeal).toBeLessThan(1.5)
  })

  it('warns when the table is smaller than 100 slots per node', () => {
    const result = measureChurn('maglev', nodeIds(10), nodeIds(11), keys.slice(0, 1000), {...DEFAULT_PLACEMENT_OPTIONS, tableSize: 1009}, frozenClock)
    expect(result.notes.join(' ')).toMatch(/table size 1009 < 100 × 11 nodes/)
  })
})

describe('bounded loads caps every node at ceil((1+ε)·keys/N)', () => {
  // 10 vnodes leave the plain ring badly unbalanced, so the cap really binds.
  for (const epsilon of [0.25, 0.05]) {
    it(`ε = ${epsilon}: max/mean ≤ 1+ε before and after adding a node, where the plain ring exceeds it`, () => {
      const bounded = churn('bounded', ten, eleven, {vnodes: 10, epsilon})
      const plain = churn('ring', ten, eleven, {vnodes: 10})
      expect(plain.balanceBefore.maxOverMean).toBeGreaterThan(1 + epsilon)
      // keys/N·(1+ε) is an integer here for N = 10, so the ceil adds nothing.
      expect(bounded.balanceBefore.maxOverMean).toBeLessThanOrEqual(1 + epsilon + 1e-12)
      const capAfter = Math.ceil(((1 + epsilon) * keys.length) / 11)
      expect(bounded.balanceAfter.maxOverMean * (keys.length / 11)).toBeLessThanOrEqual(capAfter + 1e-6)
    })
  }
})

describe('multiprobe balance', () => {
  it('21 probes keep max/mean ≤ 1.1 on 10 nodes with one point each, where one probe (a plain ring without vnodes) does not', () => {
    expect(churn('multiprobe', ten, eleven).balanceAfter.maxOverMean).toBeLessThanOrEqual(1.1)
    expect(churn('multiprobe', ten, eleven, {probes: 1}).balanceAfter.maxOverMean).toBeGreaterThan(1.1)
  })
})

describe('churn statistics count what they claim', () => {
  it('an unchanged node set moves nothing and has no ideal ratio', () => {
    const result = churn('ring', ten, ten)
    expect(result.moved).toBe(0)
    expect(result.idealFraction).toBe(0)
    expect(result.movedOverIdeal).toBeNull()
  })

  it('replacing one node of 10 has ideal fraction 1/10 even though N is unchanged', () => {
    const after = nextMembership(ten, {add: ['n10'], remove: ['n0']})
    const result = churn('rendezvous', ten, after)
    expect(result.idealFraction).toBeCloseTo(0.1, 12)
    expect(result.added).toEqual(['n10'])
    expect(result.removed).toEqual(['n0'])
  })

  it('load balance of the before placement is measured on the before node set', () => {
    const result = churn('jump', ten, eleven)
    expect(result.balanceBefore.minOverMean).toBeGreaterThan(0.95)
    expect(result.balanceAfter.maxOverMean).toBeLessThan(1.05)
  })
})
