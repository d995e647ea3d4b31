import {describe, expect, it} from 'vitest'

import {fmix32, hashKey} from '../../../src/core/ring/hash.js'
import {jumpConsistentHash} from '../../../src/core/ring/jump-hash.js'
import {SeededRng} from '../../../src/core/common/rng.js'

describe('xxHash32 (seed 0) matches published vectors', () => {
  // From the xxhash-wasm test suite (jungomi/xxhash-wasm test/index.test.js),
  // cross-checked there against other implementations; the last one is the
  // python-xxhash README example.
  const vectors: [string, number][] = [
    ['', 0x02cc_5d05],
    ['a', 0x550d_7456],
    ['abc', 0x32d1_53ff],
    ['abcd', 0xa364_3705],
    ['Call me Ishmael. Some years ago--never mind how long precisely-', 0x6f32_0359],
    ['heiå', 0xdb5a_bccc],
    // "κόσμε" with U+1F79 (omicron with oxia), the UTF-8 decoder test string.
    ['\u03ba\u1f79\u03c3\u03bc\u03b5', 0xd855_f606],
    ['Nobody inspects the spammish repetition', 0xe229_3b2f],
  ]
  for (const [input, expected] of vectors) {
    it(`xxh32(${JSON.stringify(input)}) = 0x${expected.toString(16)}`, () => {
      expect(hashKey(input)).toBe(expected)
    })
  }
})

describe('fmix32 is MurmurHash3 finalizer', () => {
  it('maps 0 to 0 and 1 to 0x514e28b7 (the reference fmix32 output)', () => {
    expect(fmix32(0)).toBe(0)
    expect(fmix32(1)).toBe(0x514e_28b7)
  })
})

describe('jump consistent hash matches the reference C++', () => {
  // dgryski/go-jump jump_test.go, "generated from the reference C++ code":
  // bucket for numBuckets = 1, 2, 3, … for each key.
  const vectors: [bigint, number[]][] = [
    [0n, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
    [1n, [0, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 17, 17]],
    [0xdeadbeefn, [0, 1, 2, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 16, 16, 16]],
    [0x0ddc0ffeebadf00dn, [0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 15, 15, 15, 15]],
  ]
  for (const [key, buckets] of vectors) {
    it(`key 0x${key.toString(16)}`, () => {
      const [hi, lo] = halves(key)
      expect(buckets.map((_, i) => jumpConsistentHash(hi, lo, i + 1))).toEqual(buckets)
    })
  }

  it('agrees with a BigInt transcription of the paper on random 64-bit keys', () => {
    const seed = 5
    const rng = new SeededRng(seed)
    for (let i = 0; i < 2000; i++) {
      const key = (BigInt(rng.int(0x1_0000_0000)) << 32n) | BigInt(rng.int(0x1_0000_0000))
      const numBuckets = 1 + rng.int(100_000)
      const [hi, lo] = halves(key)
      expect(jumpConsistentHash(hi, lo, numBuckets), `seed ${seed} key ${key} buckets ${numBuckets}`).toBe(referenceJump(key, numBuckets))
    }
  })
})

function halves(key: bigint): [number, number] {
  return [Number(key >> 32n), Number(key & 0xffff_ffffn)]
}

/** Lamping & Veach figure 1, with BigInt for the uint64 arithmetic. */
function referenceJump(key: bigint, numBuckets: number): number {
  let b = -1
  let j = 0
  while (j < numBuckets) {
    b = j
    key = (key * 2862933555777941757n + 1n) & 0xffff_ffff_ffff_ffffn
    j = Math.floor((b + 1) * (Number(1n << 31n) / Number((key >> 33n) + 1n)))
  }
  return b
}
