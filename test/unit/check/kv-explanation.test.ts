import {describe, expect, test} from 'vitest'

import {KvEvent} from '../../../src/core/check/kv-history.js'
import {describeKvExplanation, explainKvKey, kvAnomaly} from '../../../src/core/check/kv-explanation.js'
import {checkKvHistory} from '../../../src/core/check/register-linearizability.js'

type Spec = [process: number, type: KvEvent['type'], f: KvEvent['f'], value: KvEvent['value'], time: number, key?: string]
const history = (...specs: Spec[]): KvEvent[] => specs.map(([process, type, f, value, time, key = 'k']) => ({process, type, f, key, value, time}))

/** Put a, put b, a read of a after b completed (line 8), then more of the same; key j interleaved so lines and key positions differ. */
const stale = history(
  [1, 'invoke', 'put', 'a', 0],
  [1, 'ok', 'put', 'a', 1],
  [3, 'invoke', 'put', 'x', 1.5, 'j'],
  [1, 'invoke', 'put', 'b', 2],
  [1, 'ok', 'put', 'b', 3],
  [2, 'invoke', 'get', null, 4],
  [3, 'ok', 'put', 'x', 4.5, 'j'],
  [2, 'ok', 'get', 'a', 5],
  [1, 'invoke', 'put', 'c', 6],
  [1, 'ok', 'put', 'c', 7],
  [2, 'invoke', 'get', null, 8],
  [2, 'ok', 'get', 'a', 9],
)

describe('explainKvKey', () => {
  test('the shortest failing prefix ends at the stale read: one event shorter it is linearizable', () => {
    const e = explainKvKey(stale, 'k')!
    expect(e).toMatchObject({prefixEvents: 6, prefixLastLine: 8})
    const keyEvents = stale.filter((x) => x.key === 'k')
    expect(checkKvHistory(keyEvents.slice(0, e.prefixEvents)).linearizable).toBe(false)
    expect(checkKvHistory(keyEvents.slice(0, e.prefixEvents - 1)).linearizable).toBe(true)
  })

  test('names the read that cannot be placed, the value it could have seen and the write it missed', () => {
    const e = explainKvKey(stale, 'k')!
    expect(e.operation).toMatchObject({process: 2, f: 'get', output: 'a', index: 5})
    expect(e.couldHaveSeen).toEqual(['b'])
    expect(e.lastCompletedWrite).toMatchObject({f: 'put', input: 'b', index: 3})
    expect(describeKvExplanation(e)).toBe(
      'get by process 2 (history line 6, 4.0–5.0 ms) read "a", but the register could only have held "b" wherever it could take effect; ' +
        'put "b" by process 1 (history line 4, 2.0–3.0 ms) had completed before it began. The shortest failing history of key k is its first 6 events (up to history line 8).',
    )
  })

  test('a read concurrent with a write could have seen the old value or the new one', () => {
    const h = history([1, 'invoke', 'put', 'b', 0], [1, 'ok', 'put', 'b', 1], [3, 'invoke', 'put', 'c', 2], [2, 'invoke', 'get', null, 3], [2, 'ok', 'get', 'zzz', 4], [3, 'ok', 'put', 'c', 9])
    expect(explainKvKey(h, 'k')!.couldHaveSeen).toEqual(['b', 'c'])
  })

  test('a key never written could only have been absent', () => {
    const h = history([2, 'invoke', 'get', null, 0], [2, 'ok', 'get', 'ghost', 1])
    expect(explainKvKey(h, 'k')).toMatchObject({couldHaveSeen: [null], prefixEvents: 2})
  })

  test('a cas that succeeded from a value the register did not hold is the one that cannot be placed', () => {
    const h = history([1, 'invoke', 'put', 'b', 0], [1, 'ok', 'put', 'b', 1], [2, 'invoke', 'cas', ['a', 'x'], 2], [2, 'ok', 'cas', ['a', 'x'], 3])
    const e = explainKvKey(h, 'k')!
    expect(e.operation).toMatchObject({f: 'cas', process: 2})
    expect(e.couldHaveSeen).toEqual(['b'])
    expect(describeKvExplanation(e)).toMatch(/^cas "a" → "x" by process 2 \(history line 3, .*\) succeeded, so it saw "a", but the register could only have held "b"/)
  })

  test('a linearizable key has nothing to explain', () => {
    expect(explainKvKey(stale, 'j')).toBeUndefined()
  })
})

describe('kvAnomaly', () => {
  test("lists the key's operations up to the end of the prefix, the read and the write it missed marked", () => {
    const a = kvAnomaly(stale, explainKvKey(stale, 'k')!)
    expect(a.key).toBe('k')
    expect(a.shortestPrefix).toEqual({events: 6, lastLine: 8})
    expect(a.operations.map((o) => [o.line, o.f, o.marked])).toEqual([
      [1, 'put', false],
      [4, 'put', true],
      [6, 'get', true],
    ])
    expect(a.operations[2]).toMatchObject({process: 2, startMs: 4, endMs: 5, type: 'ok', output: 'a'})
  })
})
