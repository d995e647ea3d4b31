import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {KvEvent} from '../../../src/core/check/kv-history.js'
import {checkKvHistory} from '../../../src/core/check/register-linearizability.js'

type Op = ['put', string] | ['get', string | null] | ['cas', string | null, string] | ['cas-failed', string | null, string]

/** A history from [process, op, start, end, outcome] tuples; end undefined = never completed. */
function history(...ops: Array<[number, Op, number, number | undefined, ('ok' | 'info')?]>): KvEvent[] {
  const events: KvEvent[] = []
  for (const [process, op, start, end, outcome = 'ok'] of ops) {
    const f = op[0] === 'cas-failed' ? 'cas' : op[0]
    const input = op[0] === 'put' ? op[1] : op[0] === 'get' ? null : ([op[1], op[2]] as [string | null, string])
    events.push({process, type: 'invoke', f, key: 'k', value: input, time: start})
    if (end === undefined) continue
    const type = op[0] === 'cas-failed' ? 'fail' : outcome
    events.push({process, type, f, key: 'k', value: op[0] === 'get' ? op[1] : input, time: end})
  }
  return events.sort((a, b) => a.time - b.time)
}

const verdict = (events: KvEvent[]) => checkKvHistory(events).linearizable

describe('checkKvHistory', () => {
  test('a read of the last completed write is linearizable', () => {
    expect(verdict(history([1, ['put', 'a'], 0, 1], [2, ['get', 'a'], 2, 3]))).toBe(true)
  })

  test('a read of an overwritten value after the overwrite completed is not (a stale read)', () => {
    const result = checkKvHistory(history([1, ['put', 'a'], 0, 1], [1, ['put', 'b'], 2, 3], [2, ['get', 'a'], 4, 5]))
    expect(result.linearizable).toBe(false)
    expect(result).toMatchObject({key: 'k', cannotLinearize: {f: 'get', output: 'a'}})
  })

  test('a read concurrent with a write may see either value', () => {
    expect(verdict(history([1, ['put', 'a'], 0, 1], [1, ['put', 'b'], 2, 10], [2, ['get', 'a'], 3, 4], [3, ['get', 'b'], 5, 6]))).toBe(true)
  })

  test('once a concurrent read has seen the new value, a later read may not see the old one', () => {
    expect(verdict(history([1, ['put', 'a'], 0, 1], [1, ['put', 'b'], 2, 10], [2, ['get', 'b'], 3, 4], [3, ['get', 'a'], 5, 6]))).toBe(false)
  })

  test('a key reads as absent only before any write took effect', () => {
    expect(verdict(history([2, ['get', null], 0, 1], [1, ['put', 'a'], 2, 3]))).toBe(true)
    expect(verdict(history([1, ['put', 'a'], 0, 1], [2, ['get', null], 2, 3]))).toBe(false)
  })

  test('a write with an unknown outcome may take effect late, or not at all, but cannot be undone', () => {
    expect(verdict(history([1, ['put', 'a'], 0, undefined, 'info'], [2, ['get', null], 1, 2], [2, ['get', 'a'], 3, 4]))).toBe(true)
    expect(verdict(history([1, ['put', 'a'], 0, 9, 'info'], [2, ['get', null], 10, 11]))).toBe(true)
    expect(verdict(history([1, ['put', 'a'], 0, 9, 'info'], [2, ['get', 'a'], 10, 11], [2, ['get', null], 12, 13]))).toBe(false)
  })

  test('a write never invoked cannot be read', () => {
    expect(verdict(history([1, ['put', 'a'], 0, 1], [2, ['get', 'zzz'], 2, 3]))).toBe(false)
  })

  test('cas takes effect only from its expected value; a failed cas is left out', () => {
    expect(verdict(history([1, ['put', 'a'], 0, 1], [1, ['cas', 'a', 'b'], 2, 3], [2, ['get', 'b'], 4, 5]))).toBe(true)
    expect(verdict(history([1, ['put', 'a'], 0, 1], [1, ['cas', 'x', 'b'], 2, 3]))).toBe(false)
    expect(verdict(history([1, ['put', 'a'], 0, 1], [1, ['cas-failed', 'x', 'b'], 2, 3], [2, ['get', 'a'], 4, 5]))).toBe(true)
  })

  test('keys are checked independently', () => {
    const events = [...history([1, ['put', 'a'], 0, 1]), ...history([2, ['get', 'a'], 2, 3]).map((e) => ({...e, key: 'other'}))]
    expect(checkKvHistory(events)).toMatchObject({linearizable: false, key: 'other'})
  })

  test('a search past its step bound answers unknown, not a guess', () => {
    const events = history([1, ['put', 'a'], 0, 1], [2, ['get', 'a'], 2, 3])
    expect(checkKvHistory(events, 0)).toMatchObject({linearizable: 'unknown'})
  })

  test('any history made by running operations on one register at points inside their intervals is linearizable', () => {
    const opArb = fc.record({
      kind: fc.constantFrom('put', 'get', 'cas'),
      value: fc.integer({min: 0, max: 3}),
      before: fc.nat(5),
      after: fc.nat(5),
      unknown: fc.boolean(),
    })
    fc.assert(
      fc.property(fc.array(opArb, {maxLength: 40}), (spec) => {
        // Operation i takes effect at time 10·i; its interval surrounds that point, so real-time order holds.
        let register: string | null = null
        const events: KvEvent[] = []
        spec.forEach((o, i) => {
          const at = 10 * i
          const value = `v${o.value}`
          let type: KvEvent['type'] = o.unknown && o.kind !== 'get' ? 'info' : 'ok'
          let input: KvEvent['value'] = null
          let output: KvEvent['value'] = null
          if (o.kind === 'put') {
            input = output = `${value}-${i}`
            register = input
          } else if (o.kind === 'get') {
            output = register
          } else {
            input = output = [register, `${value}-${i}`]
            register = input[1]
          }
          events.push({process: i, type: 'invoke', f: o.kind, key: 'k', value: input, time: at - o.before})
          events.push({process: i, type, f: o.kind, key: 'k', value: output, time: at + o.after})
        })
        events.sort((a, b) => a.time - b.time)
        expect(checkKvHistory(events).linearizable).toBe(true)
      }),
    )
  })
})
