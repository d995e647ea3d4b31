import xxhash from 'xxhash-wasm'

/**
 * The one hash every placement uses: xxHash32 (xxhash-wasm, the reference
 * algorithm compiled to WebAssembly), seed 0 for keys. Tests pin it to the
 * published vectors, so a live router and an offline prediction built on
 * different machines agree bit for bit.
 */
const {h32} = await xxhash()

/** xxHash32 of the key's UTF-8 bytes: the key's position on every placement. */
export function hashKey(key: string): number {
  return h32(key, 0)
}

/** xxHash32 with an explicit seed: node points and per-node salts use their own seeds. */
export function hashString(text: string, seed: number): number {
  return h32(text, seed >>> 0)
}

/**
 * MurmurHash3's 32-bit finalizer (fmix32): a bijection with full avalanche,
 * so mixing a precomputed key hash with a per-node (or per-probe) salt gives
 * an independent-looking 32-bit value at the cost of two multiplies instead
 * of hashing the key again.
 */
export function fmix32(value: number): number {
  let h = value >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85eb_ca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2_ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * Rank of each node id in code-unit order: placements break exact hash ties by
 * id, so the result never depends on the order the node list was given in.
 */
export function rankById(nodes: readonly string[]): Int32Array {
  const order = nodes.map((_, i) => i).sort((a, b) => (nodes[a] < nodes[b] ? -1 : nodes[a] > nodes[b] ? 1 : 0))
  const rank = new Int32Array(nodes.length)
  order.forEach((nodeIndex, r) => {
    rank[nodeIndex] = r
  })
  return rank
}
