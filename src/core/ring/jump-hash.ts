/**
 * Jump consistent hash (Lamping & Veach 2014, "A Fast, Minimal Memory,
 * Consistent Hash Algorithm", figure 1), bit for bit with the reference C++:
 *
 *   while (j < num_buckets) { b = j; key = key * 2862933555777941757ULL + 1;
 *                             j = (b + 1) * (double(1LL << 31) / double((key >> 33) + 1)); }
 *
 * The 64-bit key lives in two uint32 halves because BigInt arithmetic would
 * cost ~50x in the lookup loop.
 */
const MULTIPLIER_HI = 0x27bb_2ee6
const MULTIPLIER_LO = 0x87b0_b0fd
const TWO_POW_31 = 2_147_483_648

export function jumpConsistentHash(keyHi: number, keyLo: number, numBuckets: number): number {
  let hi = keyHi >>> 0
  let lo = keyLo >>> 0
  let b = -1
  let j = 0
  while (j < numBuckets) {
    b = j
    // key = key * MULTIPLIER + 1 (mod 2^64): the low words' full 64-bit product
    // from 16-bit limbs, cross terms only matter mod 2^32 in the high word.
    const a0 = lo & 0xffff
    const a1 = lo >>> 16
    const p00 = a0 * (MULTIPLIER_LO & 0xffff)
    const p01 = a0 * (MULTIPLIER_LO >>> 16)
    const p10 = a1 * (MULTIPLIER_LO & 0xffff)
    const p11 = a1 * (MULTIPLIER_LO >>> 16)
    const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)
    const productLo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0
    const productHi = p11 + (p01 >>> 16) + (p10 >>> 16) + Math.floor(mid / 0x1_0000)
    hi = (productHi + Math.imul(hi, MULTIPLIER_LO) + Math.imul(lo, MULTIPLIER_HI)) >>> 0
    lo = (productLo + 1) >>> 0
    if (lo === 0) hi = (hi + 1) >>> 0
    j = Math.floor((b + 1) * (TWO_POW_31 / ((hi >>> 1) + 1)))
  }
  return b
}
