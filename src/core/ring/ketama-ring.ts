import {hashKey, hashString, rankById} from './hash.js'
import {type Placement, requireDistinctNodes, requireInteger} from './placement.js'

const VNODE_SEED = 0x6b65_7461 // "keta"

/**
 * Sorted points on the 2^32 ring, `vnodes` per node, each at
 * xxh32("<node>-<v>") (Karger et al. 1997; Ketama's virtual nodes). Shared by
 * the `ring` placement and by bounded loads, which walks it clockwise.
 */
export class HashRing {
  /** Point positions, ascending. */
  readonly positions: Uint32Array
  /** owners[i] is the node index at positions[i]. */
  readonly owners: Int32Array

  constructor(nodes: readonly string[], vnodes: number) {
    requireDistinctNodes(nodes)
    requireInteger('vnodes', vnodes, 1)
    const rank = rankById(nodes)
    const count = nodes.length * vnodes
    // Position in the high bits and id rank below: one numeric sort, and two
    // nodes whose points collide are ordered by id, not by list order.
    const packed = new Float64Array(count)
    let i = 0
    for (let n = 0; n < nodes.length; n++) {
      for (let v = 0; v < vnodes; v++) {
        packed[i++] = hashString(`${nodes[n]}-${v}`, VNODE_SEED) * 0x20_0000 + rank[n]
      }
    }
    packed.sort()
    const nodeOfRank = new Int32Array(nodes.length)
    rank.forEach((r, n) => {
      nodeOfRank[r] = n
    })
    this.positions = new Uint32Array(count)
    this.owners = new Int32Array(count)
    for (let p = 0; p < count; p++) {
      const r = packed[p] % 0x20_0000
      this.positions[p] = (packed[p] - r) / 0x20_0000
      this.owners[p] = nodeOfRank[r]
    }
  }

  /** Index of the first point at or after `hash`, wrapping past 2^32 - 1 to point 0. */
  successor(hash: number): number {
    const positions = this.positions
    let lo = 0
    let hi = positions.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (positions[mid] < hash) lo = mid + 1
      else hi = mid
    }
    return lo === positions.length ? 0 : lo
  }

  /** Each node's fraction of the ring: the arcs ending at its points. */
  arcShares(nodeCount: number): Float64Array {
    const shares = new Float64Array(nodeCount)
    const positions = this.positions
    const last = positions.length - 1
    shares[this.owners[0]] += (positions[0] + 0x1_0000_0000 - positions[last]) / 0x1_0000_0000
    for (let p = 1; p <= last; p++) shares[this.owners[p]] += (positions[p] - positions[p - 1]) / 0x1_0000_0000
    return shares
  }
}

/** `ring`: the key belongs to the node owning the first point clockwise from hash(key). */
export class RingPlacement implements Placement {
  readonly algorithm = 'ring'
  private readonly ring: HashRing

  constructor(
    readonly nodes: readonly string[],
    vnodes: number,
  ) {
    this.ring = new HashRing(nodes, vnodes)
  }

  ownerIndex(key: string): number {
    return this.ring.owners[this.ring.successor(hashKey(key))]
  }

  owner(key: string): string {
    return this.nodes[this.ownerIndex(key)]
  }

  hashSpaceShares(): Float64Array {
    return this.ring.arcShares(this.nodes.length)
  }
}
