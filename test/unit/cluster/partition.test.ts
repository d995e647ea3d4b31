import {describe, expect, test} from 'vitest'

import {ClusterState, NodeRecord} from '../../../src/runtime/cluster/cluster-state.js'
import {planPartition} from '../../../src/runtime/cluster/partition.js'
import {Partition} from '../../../src/runtime/net/partition.js'

const node = (name: string, subsystem: string): NodeRecord => ({
  name,
  kind: subsystem,
  subsystem,
  pid: 1,
  host: '127.0.0.1',
  port: 1,
  url: 'http://127.0.0.1:1',
  dataPath: '',
  configPath: '',
  logPath: '',
})

const state: ClusterState = {
  version: 1,
  dataDir: '.dsys',
  startedAt: '',
  nodes: [node('lock-1', 'lock'), node('raft-1', 'raft'), node('raft-2', 'raft'), node('raft-3', 'raft'), node('txn-p1', 'txn')],
}

describe('planPartition', () => {
  test('isolating one node cuts it off from the rest of its subsystem, both ways', () => {
    expect(planPartition(state, ['raft-1'])).toEqual({'raft-1': ['raft-2', 'raft-3'], 'raft-2': ['raft-1'], 'raft-3': ['raft-1']})
  })

  test('with --from, nodes on neither side keep every link (the plan replaces an earlier partition)', () => {
    expect(planPartition(state, ['raft-1'], ['raft-2'])).toEqual({'raft-1': ['raft-2'], 'raft-2': ['raft-1'], 'raft-3': []})
  })

  test.each([
    ['a subsystem without peer traffic', ['lock-1'], undefined, /no peer traffic/],
    ['an unknown node', ['raft-9'], undefined, /no node named "raft-9"/],
    ['nodes of two subsystems', ['raft-1'], ['txn-p1'], /not a raft node/],
    ['a node on both sides', ['raft-1'], ['raft-1'], /both sides/],
    ['the whole subsystem on one side', ['raft-1', 'raft-2', 'raft-3'], undefined, /nothing left/],
    ['no node at all', [], undefined, /at least one node/],
  ])('refuses %s', (_what, group, from, message) => {
    expect(() => planPartition(state, group, from)).toThrow(message)
  })
})

describe('Partition', () => {
  const m = (from: string, to: string) => ({from, to})

  test('drops messages to or from a cut-off peer and passes the rest', () => {
    const p = new Partition()
    const messages = [m('a', 'b'), m('a', 'c'), m('c', 'a'), m('b', 'a')]
    expect(p.pass(messages)).toEqual(messages)
    p.cutOffFrom(['c'])
    expect(p.pass(messages)).toEqual([m('a', 'b'), m('b', 'a')])
    expect(p.cutOff).toEqual(['c'])
    expect(p.dropped).toBe(2)
    p.cutOffFrom([])
    expect(p.pass(messages)).toEqual(messages)
  })
})
