import {hashKey, hashString, rankById} from './hash.js'
import {type Placement, PlacementInputError, requireDistinctNodes} from './placement.js'

const OFFSET_SEED = 0x6f66_6673 // "offs"
const SKIP_SEED = 0x736b_6970 // "skip"

/**
 * `maglev` (Eisenbud et al., NSDI 2016, §3.4): every node walks its own
 * permutation of a prime-sized table, (offset + j·skip) mod M, and the nodes
 * take turns claiming their next free slot until the table is full; a key is
 * table[xxh32(key) mod M]. Near-perfect balance (each node gets ⌊M/N⌋ or
 * ⌈M/N⌉ slots), not minimal disruption: a membership change also shifts some
 * slots between surviving nodes.
 */
export class MaglevPlacement implements Placement {
  readonly algorithm = 'maglev'
  readonly table: Int32Array

  constructor(
    readonly nodes: readonly string[],
    readonly tableSize: number,
  ) {
    requireDistinctNodes(nodes)
    if (!isPrime(tableSize)) throw new PlacementInputError(`Maglev table size must be a prime, got ${tableSize}`)
    if (tableSize < nodes.length) {
      throw new PlacementInputError(`Maglev table size ${tableSize} is smaller than the ${nodes.length} nodes`)
    }
    this.table = populate(nodes, tableSize)
  }

  ownerIndex(key: string): number {
    return this.table[hashKey(key) % this.tableSize]
  }

  owner(key: string): string {
    return this.nodes[this.ownerIndex(key)]
  }

  hashSpaceShares(): Float64Array {
    const shares = new Float64Array(this.nodes.length)
    for (let s = 0; s < this.tableSize; s++) shares[this.table[s]] += 1 / this.tableSize
    return shares
  }
}

/** The paper's Populate (pseudocode 1), turns taken in id order so the list order does not matter. */
function populate(nodes: readonly string[], size: number): Int32Array {
  const rank = rankById(nodes)
  const turnOrder = nodes.map((_, n) => n).sort((a, b) => rank[a] - rank[b])
  const offsets = Float64Array.from(nodes, (node) => hashString(node, OFFSET_SEED) % size)
  const skips = Float64Array.from(nodes, (node) => (hashString(node, SKIP_SEED) % (size - 1)) + 1)
  const next = new Float64Array(nodes.length)
  const table = new Int32Array(size).fill(-1)
  let filled = 0
  for (;;) {
    for (const n of turnOrder) {
      // offset + j·skip < M + M·M < 2^53 for any M < 2^26, so this stays exact.
      let slot = (offsets[n] + next[n] * skips[n]) % size
      while (table[slot] >= 0) {
        next[n]++
        slot = (offsets[n] + next[n] * skips[n]) % size
      }
      table[slot] = n
      next[n]++
      if (++filled === size) return table
    }
  }
}

function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false
  return true
}

/** The paper advises M ≥ 100·N for slot imbalance under 1%; null when the table is big enough. */
export function maglevTableAdvice(tableSize: number, nodeCount: number): string | null {
  return tableSize >= 100 * nodeCount
    ? null
    : `maglev: table size ${tableSize} < 100 × ${nodeCount} nodes; balance degrades, pass a larger prime --table-size`
}
