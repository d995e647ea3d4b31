import {describe, expect, it} from 'vitest'

import {SeededRng} from '../../../src/core/common/rng.js'
import {keysFromText, syntheticKeys} from '../../../src/core/ring/keyset.js'

describe('key sets', () => {
  it('a synthetic key set replays from its seed and has the requested number of distinct keys', () => {
    const a = syntheticKeys(1000, new SeededRng(7))
    expect(a).toEqual(syntheticKeys(1000, new SeededRng(7)))
    expect(new Set(a).size).toBe(1000)
    expect(a).not.toEqual(syntheticKeys(1000, new SeededRng(8)))
  })

  it('a keys file gives one key per non-empty trimmed line, first occurrence kept', () => {
    expect(keysFromText('b\n a \r\n\nb\nc\n')).toEqual(['b', 'a', 'c'])
  })
})
