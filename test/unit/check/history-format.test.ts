import {describe, expect, test} from 'vitest'

import {bankEventProblem} from '../../../src/core/check/bank-history.js'
import {parseHistory} from '../../../src/core/check/history-format.js'
import {kvEventProblem} from '../../../src/core/check/kv-history.js'
import {lockEventProblem} from '../../../src/core/check/mutual-exclusion.js'

const put = (process: number, type: string, time: number, extra: object = {}) => JSON.stringify({process, type, f: 'put', key: 'k', value: 'a', time, ...extra})
const parseKv = (...lines: string[]) => parseHistory(lines.join('\n') + '\n', 'h.jsonl', 'kv', kvEventProblem)

describe('parseHistory', () => {
  test('a well-formed kv history reads back as its events, an operation still open at the end allowed', () => {
    expect(parseKv(put(1, 'invoke', 0), put(1, 'ok', 1), '', put(2, 'invoke', 2))).toHaveLength(3)
  })

  test.each([
    ['a line that is not JSON', [put(1, 'invoke', 0), '{"process": 1, "type": "ok"'], /^h\.jsonl, line 2: not JSON/],
    ['a line that is not an object', ['[1, 2]'], /^h\.jsonl, line 1: not a kv history event: an event is a JSON object$/],
    ['a missing field', [JSON.stringify({process: 1, type: 'invoke', f: 'put', value: 'a', time: 0})], /^h\.jsonl, line 1: .*missing field "key"/],
    ['a field of the wrong type', [put(1, 'invoke', 0, {time: '0'})], /^h\.jsonl, line 1: .*field "time" must be a number \(ms\), not "0"$/],
    ['an unknown type', [put(1, 'done', 0)], /^h\.jsonl, line 1: .*field "type" must be invoke, ok, fail, info, not "done"/],
    ['an unknown function', [put(1, 'invoke', 0, {f: 'delete'})], /^h\.jsonl, line 1: .*field "f" must be put, get or cas, not "delete"/],
    ['a value that does not fit its function', [put(1, 'invoke', 0, {f: 'cas', value: 'a'})], /^h\.jsonl, line 1: .*field "value" must be \[expected/],
    ['an outcome never invoked', [put(1, 'invoke', 0), put(2, 'ok', 1)], /^h\.jsonl, line 2: process 2 completes a put it never invoked$/],
    ['a second invocation while one is open', [put(1, 'invoke', 0), put(1, 'invoke', 1)], /^h\.jsonl, line 2: process 1 invokes put while its put of line 1 is still open$/],
  ])('%s is refused, naming the file and the line', (_what, lines, message) => {
    expect(() => parseKv(...lines)).toThrow(message)
  })

  test('an empty file is refused as empty', () => {
    expect(() => parseHistory('\n', 'h.jsonl', 'kv', kvEventProblem)).toThrow(/^h\.jsonl: the history is empty/)
  })

  test("another check's history is refused as not of this kind", () => {
    expect(() => parseKv(JSON.stringify({process: 1, type: 'invoke', f: 'acquire', lock: 'l', token: null, time: 0}))).toThrow(/line 1: not a kv history event: field "f"/)
  })

  test('a lock grant whose token is not a number is refused; null is a grant without fencing (Redis)', () => {
    const lines = [{process: 1, type: 'invoke', f: 'acquire', lock: 'l', token: null, time: 0}, {process: 1, type: 'ok', f: 'acquire', lock: 'l', token: '7', time: 1}]
    const parse = (events: object[]) => parseHistory(events.map((l) => JSON.stringify(l)).join('\n'), 'l.jsonl', 'lock', lockEventProblem)
    expect(() => parse(lines)).toThrow(/^l\.jsonl, line 2: .*field "token" must be a number or null/)
    expect(parse([lines[0], {...lines[1], token: null}])).toHaveLength(2)
  })

  test('a write to the protected resource is a lock history event', () => {
    const lines = [{process: 1, type: 'invoke', f: 'write', lock: 'l', token: 3, time: 0}, {process: 1, type: 'fail', f: 'write', lock: 'l', token: 3, time: 0}]
    expect(parseHistory(lines.map((l) => JSON.stringify(l)).join('\n'), 'l.jsonl', 'lock', lockEventProblem)).toHaveLength(2)
  })

  test("a bank history's final states are read beside its operations", () => {
    const lines = [
      {process: 0, type: 'invoke', f: 'transfer', value: {from: 'a', to: 'b'}, time: 0},
      {process: 0, type: 'ok', f: 'transfer', value: {from: 'a', to: 'b', read: [1000, 1000], amount: 5}, txn: 't1', time: 1},
      {type: 'final', participant: 'p1', inDoubt: 0, lockedKeys: 0, balances: {a: 995, b: 1005}, time: 2},
    ]
    expect(parseHistory(lines.map((l) => JSON.stringify(l)).join('\n'), 'b.jsonl', 'bank', bankEventProblem)).toHaveLength(3)
    const bad = [{...lines[2], balances: {a: 'lots'}}]
    expect(() => parseHistory(JSON.stringify(bad[0]), 'b.jsonl', 'bank', bankEventProblem)).toThrow(/line 1: .*field "balances"/)
  })
})
