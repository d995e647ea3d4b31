import {describe, expect, it} from 'vitest'

import {SeededRng} from '../../../src/core/common/rng.js'
import {DEFAULT_PLACEMENT_OPTIONS, planChurn, resultsTable, runChurn, syntheticKeys} from '../../../src/core/ring/index.js'

const keys = syntheticKeys(20_000, new SeededRng(9))
const frozenClock = () => 0

describe('planChurn validates the change before any key is placed', () => {
  it('numbers added nodes after the existing ones and removes the last R', () => {
    expect(planChurn({nodes: 3, add: 2, remove: 0, removeIds: []})).toEqual({before: ['n0', 'n1', 'n2'], after: ['n0', 'n1', 'n2', 'n3', 'n4']})
    expect(planChurn({nodes: 3, add: 0, remove: 1, removeIds: []}).after).toEqual(['n0', 'n1'])
  })

  it('rejects --nodes 0, an unknown node, and --remove together with --remove-ids', () => {
    expect(() => planChurn({nodes: 0, add: 1, remove: 0, removeIds: []})).toThrow(/--nodes must be at least 1/)
    expect(() => planChurn({nodes: 10, add: 0, remove: 0, removeIds: ['n12']})).toThrow(/cannot remove node "n12"/)
    expect(() => planChurn({nodes: 10, add: 0, remove: 1, removeIds: ['n1']})).toThrow(/not both/)
    expect(() => planChurn({nodes: 2, add: 0, remove: 3, removeIds: []})).toThrow(/cannot remove 3 of 2/)
  })
})

describe('runChurn', () => {
  const plan = planChurn({nodes: 4, add: 1, remove: 0, removeIds: []})

  it('reports one result per algorithm, side by side in one table', () => {
    const report = runChurn({algorithms: ['ring', 'jump'], plan, keys, options: DEFAULT_PLACEMENT_OPTIONS, sweepVnodes: [], steps: 0}, frozenClock)
    expect(report.results.map((r) => r.algorithm)).toEqual(['ring', 'jump'])
    expect(report.added).toEqual(['n4'])
    const table = resultsTable(report.results)
    expect(table.head).toEqual(['', 'ring', 'jump'])
    expect(table.rows.every((row) => row.length === 3)).toBe(true)
  })

  it('sweeps vnodes only for the algorithms built on virtual nodes, and more vnodes flatten the ring', () => {
    const report = runChurn(
      {algorithms: ['ring', 'jump'], plan, keys, options: DEFAULT_PLACEMENT_OPTIONS, sweepVnodes: [5, 500], steps: 0},
      frozenClock,
    )
    expect(report.vnodesSweep.map((row) => [row.algorithm, row.vnodes])).toEqual([
      ['ring', 5],
      ['ring', 500],
    ])
    const [few, many] = report.vnodesSweep.map((row) => row.churn.hashSpaceBalanceAfter?.maxOverMean ?? Infinity)
    expect(many).toBeLessThan(few)
  })

  it('steps add one node at a time, each against the previous step, with ideal 1/(N+1)', () => {
    const noChange = planChurn({nodes: 4, add: 0, remove: 0, removeIds: []})
    const report = runChurn({algorithms: ['rendezvous'], plan: noChange, keys, options: DEFAULT_PLACEMENT_OPTIONS, sweepVnodes: [], steps: 3}, frozenClock)
    expect(report.results).toEqual([])
    expect(report.steps.map((r) => [r.nodesBefore, r.nodesAfter, r.added])).toEqual([
      [4, 5, ['n4']],
      [5, 6, ['n5']],
      [6, 7, ['n6']],
    ])
    report.steps.forEach((r, i) => expect(r.idealFraction).toBeCloseTo(1 / (5 + i), 12))
  })

  it('says which algorithm and step it is about to compute, and how many of how many are done', () => {
    const steps: string[] = []
    runChurn(
      {algorithms: ['ring', 'jump'], plan, keys: keys.slice(0, 500), options: DEFAULT_PLACEMENT_OPTIONS, sweepVnodes: [5], steps: 1, onStep: (s) => steps.push(`${s.done}/${s.total} ${s.label}`)},
      frozenClock,
    )
    expect(steps).toEqual([
      '0/5 ring: 4 → 5 nodes',
      '1/5 jump: 4 → 5 nodes',
      '2/5 ring: 4 → 5 nodes, 5 vnodes',
      '3/5 ring: adding one node at a time, 1 of 1 (5 nodes)',
      '4/5 jump: adding one node at a time, 1 of 1 (5 nodes)',
    ])
  })

  it('rejects an empty key set', () => {
    expect(() => runChurn({algorithms: ['ring'], plan, keys: [], options: DEFAULT_PLACEMENT_OPTIONS, sweepVnodes: [], steps: 0}, frozenClock)).toThrow(/empty/)
  })
})
