import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {SeededRng} from '../../../src/core/common/rng.js'
import {BoundedLoadPlacement} from '../../../src/core/ring/bounded-load.js'
import {
  ALGORITHMS,
  createPlacement,
  DEFAULT_PLACEMENT_OPTIONS,
  nodeIds,
  type PlacementOptions,
  specFor,
  syntheticKeys,
} from '../../../src/core/ring/index.js'

const options: PlacementOptions = {...DEFAULT_PLACEMENT_OPTIONS, expectedKeys: 5000}
const keys = syntheticKeys(5000, new SeededRng(11))

function owners(algorithm: (typeof ALGORITHMS)[number], nodes: readonly string[], keySet: readonly string[] = keys): string[] {
  const placement = createPlacement(nodes, specFor(algorithm, options))
  return keySet.map((key) => placement.owner(key))
}

describe('placements are deterministic', () => {
  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: two builds from the same nodes give every key the same owner, and owner() agrees with ownerIndex()`, () => {
      const nodes = nodeIds(7)
      expect(owners(algorithm, nodes)).toEqual(owners(algorithm, nodes))
      const placement = createPlacement(nodes, specFor(algorithm, options))
      for (const key of keys.slice(0, 100)) expect(placement.owner(key)).toBe(nodes[placement.ownerIndex(key)])
    })
  }

  for (const algorithm of ALGORITHMS.filter((a) => a !== 'jump')) {
    it(`${algorithm}: the order of the node list does not matter (only jump numbers buckets)`, () => {
      const nodes = nodeIds(7)
      expect(owners(algorithm, [...nodes].reverse())).toEqual(owners(algorithm, nodes))
    })
  }
})

describe('pure membership changes never move a key between two surviving nodes', () => {
  const minimalOnAdd = ['ring', 'jump', 'rendezvous', 'multiprobe'] as const
  const keySet = syntheticKeys(2000, new SeededRng(3))

  it('adding nodes: every key stays or goes to a new node (ring, jump, rendezvous, multiprobe)', () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 30}), fc.integer({min: 1, max: 5}), fc.constantFrom(...minimalOnAdd), (n, added, algorithm) => {
        const before = owners(algorithm, nodeIds(n), keySet)
        const after = owners(algorithm, nodeIds(n + added), keySet)
        const newNodes = new Set(nodeIds(added, n))
        return before.every((owner, k) => after[k] === owner || newNodes.has(after[k]))
      }),
      {seed: 42, numRuns: 40},
    )
  })

  it('removing any nodes: only the removed nodes’ keys move (ring, rendezvous, multiprobe; jump only for the last)', () => {
    fc.assert(
      fc.property(
        fc.integer({min: 2, max: 30}).chain((n) => fc.tuple(fc.constant(n), fc.subarray(nodeIds(n), {minLength: 1, maxLength: n - 1}))),
        fc.constantFrom('ring', 'rendezvous', 'multiprobe', 'jump-last'),
        ([n, removed], algorithm) => {
          const nodes = nodeIds(n)
          const gone = algorithm === 'jump-last' ? new Set(nodes.slice(n - removed.length)) : new Set(removed)
          const survivors = nodes.filter((id) => !gone.has(id))
          const placement = algorithm === 'jump-last' ? 'jump' : algorithm
          const before = owners(placement, nodes, keySet)
          const after = owners(placement, survivors, keySet)
          return before.every((owner, k) => gone.has(owner) || after[k] === owner)
        },
      ),
      {seed: 43, numRuns: 40},
    )
  })
})

describe('bounded loads is stateful over the key sequence', () => {
  it('the same keys in the same order get the same owners; another order can change some', () => {
    const nodes = nodeIds(5)
    const tight = {vnodes: 20, epsilon: 0.05, expectedKeys: keys.length}
    const inOrder = () => {
      const placement = new BoundedLoadPlacement(nodes, tight.vnodes, tight.epsilon, tight.expectedKeys)
      return keys.map((key) => placement.owner(key))
    }
    expect(inOrder()).toEqual(inOrder())
    const reversed = new BoundedLoadPlacement(nodes, tight.vnodes, tight.epsilon, tight.expectedKeys)
    const reversedOwners = [...keys].reverse().map((key) => reversed.owner(key)).reverse()
    expect(reversedOwners).not.toEqual(inOrder())
  })

  it('asking again returns the remembered owner without placing the key twice', () => {
    const placement = new BoundedLoadPlacement(nodeIds(3), 10, 0.1, 0)
    const first = keys.slice(0, 50).map((key) => placement.owner(key))
    expect(keys.slice(0, 50).map((key) => placement.owner(key))).toEqual(first)
  })

  it('without expectedKeys the cap grows with the keys and is never exceeded along the way', () => {
    const nodes = nodeIds(6)
    const epsilon = 0.1
    const placement = new BoundedLoadPlacement(nodes, 10, epsilon, 0)
    const loads = new Map<string, number>()
    keys.forEach((key, i) => {
      const owner = placement.owner(key)
      loads.set(owner, (loads.get(owner) ?? 0) + 1)
      expect(loads.get(owner)).toBeLessThanOrEqual(Math.ceil(((1 + epsilon) * (i + 1)) / nodes.length))
    })
  })
})

describe('bad placement input is rejected with a clear message', () => {
  it('no nodes, duplicate ids, a non-prime Maglev table, zero vnodes or probes, epsilon ≤ 0', () => {
    expect(() => createPlacement([], {algorithm: 'jump'})).toThrow(/at least one node/)
    expect(() => createPlacement(['a', 'a'], {algorithm: 'rendezvous'})).toThrow(/"a" appears twice/)
    expect(() => createPlacement(['a'], {algorithm: 'maglev', tableSize: 65_536})).toThrow(/prime/)
    expect(() => createPlacement(['a'], {algorithm: 'ring', vnodes: 0})).toThrow(/vnodes/)
    expect(() => createPlacement(['a'], {algorithm: 'multiprobe', probes: 0})).toThrow(/probes/)
    expect(() => createPlacement(['a'], {algorithm: 'bounded', vnodes: 10, epsilon: 0, expectedKeys: 0})).toThrow(/epsilon/)
  })
})
