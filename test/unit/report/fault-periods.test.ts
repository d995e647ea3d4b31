import {describe, expect, it} from 'vitest'

import {eventPeriods, pairFaultPeriods} from '../../../src/report/html/fault-periods.js'

describe('fault periods', () => {
  it('pairs each start with the next end of its kind on the same node', () => {
    const periods = pairFaultPeriods(
      [
        {atS: 2, action: 'partition', node: 'raft-2'},
        {atS: 3, action: 'kill -9', node: 'raft-3'},
        {atS: 4, action: 'heal', node: 'raft-2'},
        {atS: 6, action: 'restart', node: 'raft-3'},
      ],
      10,
    )
    expect(periods.map((p) => [p.node, p.kind, p.fromS, p.toS, p.open])).toEqual([
      ['raft-2', 'partition', 2, 4, false],
      ['raft-3', 'kill', 3, 6, false],
    ])
  })

  it("shades check lock's client pause as a pause, from client-pause to client-resume", () => {
    const [pause] = pairFaultPeriods(
      [
        {atS: 1, action: 'client-pause', node: 'client-5'},
        {atS: 3, action: 'client-resume', node: 'client-5'},
      ],
      6,
    )
    expect(pause).toMatchObject({node: 'client-5', kind: 'pause', fromS: 1, toS: 3, open: false, endAction: 'client-resume'})
  })

  it('lets a fault never ended last to the end of the run, marked open', () => {
    const [pause] = pairFaultPeriods([{atS: 7, action: 'pause', node: 'lock-1'}], 9.5)
    expect(pause).toMatchObject({fromS: 7, toS: 9.5, open: true, endAction: null})
  })

  it('does not end a pause with a restart, nor a fault on another node', () => {
    const periods = pairFaultPeriods(
      [
        {atS: 1, action: 'pause', node: 'a'},
        {atS: 2, action: 'restart', node: 'a'},
        {atS: 3, action: 'resume', node: 'b'},
      ],
      5,
    )
    expect(periods.find((p) => p.kind === 'pause' && p.fromS === 1)).toMatchObject({toS: 5, open: true})
  })

  it('starts an end with no start at 0: the record began mid-fault', () => {
    expect(pairFaultPeriods([{atS: 1.5, action: 'heal', node: 'n'}], 4)).toEqual([
      {fromS: 0, toS: 1.5, open: false, action: 'partition', endAction: 'heal', node: 'n', kind: 'partition'},
    ])
  })

  it('turns bench events into periods named by their node', () => {
    expect(eventPeriods([{name: 'add-node', atS: 3, tookS: 1.2, shard: 'ring-shard-4'}, {name: 'coordinator crash', atS: 2, killed: 'txn-coordinator'}])).toEqual([
      {fromS: 3, toS: 4.2, label: 'add-node ring-shard-4', kind: 'membership'},
      {fromS: 2, toS: 2, label: 'coordinator crash txn-coordinator', kind: 'kill'},
    ])
  })
})
