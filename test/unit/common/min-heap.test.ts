import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {HeapEntry, MinHeap} from '../../../src/core/common/min-heap.js'

describe('MinHeap', () => {
  test('pops in key order whatever was pushed and removed in between', () => {
    const op = fc.oneof(fc.record({push: fc.integer({min: 0, max: 50})}), fc.record({remove: fc.nat()}), fc.constant({pop: true}))
    fc.assert(
      fc.property(fc.array(op, {maxLength: 200}), (ops) => {
        const heap = new MinHeap<number>()
        const live: Array<HeapEntry<number>> = []
        let id = 0
        for (const o of ops) {
          if ('push' in o) live.push(heap.push(o.push, id++))
          else if ('remove' in o && live.length > 0) {
            const [entry] = live.splice(o.remove % live.length, 1)
            expect(heap.remove(entry)).toBe(true)
            expect(heap.remove(entry)).toBe(false)
          } else if ('pop' in o && live.length > 0) {
            const min = Math.min(...live.map((e) => e.key))
            expect(heap.peekKey()).toBe(min)
            const value = heap.pop()
            const i = live.findIndex((e) => e.value === value)
            expect(live[i].key).toBe(min)
            live.splice(i, 1)
          }
          expect(heap.size).toBe(live.length)
        }
        const rest: number[] = []
        while (heap.size > 0) rest.push(heap.peekKey()!, heap.pop()!)
        const keys = rest.filter((_, i) => i % 2 === 0)
        expect(keys).toEqual([...keys].sort((a, b) => a - b))
      }),
    )
  })

  test('upTo lists exactly the entries with a key at or below the bound, and leaves the heap as it was', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({min: 0, max: 50}), {maxLength: 100}), fc.integer({min: -1, max: 51}), (keys, bound) => {
        const heap = new MinHeap<number>()
        keys.forEach((key, i) => heap.push(key, i))
        const listed = heap.upTo(bound).map((e) => e.value)
        expect(listed.sort((a, b) => a - b)).toEqual(keys.flatMap((key, i) => (key <= bound ? [i] : [])))
        expect(heap.size).toBe(keys.length)
        expect(heap.peekKey()).toBe(keys.length > 0 ? Math.min(...keys) : undefined)
      }),
    )
  })
})
