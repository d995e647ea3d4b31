import {fmix32, hashKey, hashString, rankById} from './hash.js'
import {type Placement, requireDistinctNodes} from './placement.js'

const NODE_SEED = 0x6872_7721 // "hrw!"

/**
 * `rendezvous` (Thaler & Ravishankar 1998, highest random weight): the key
 * goes to the node with the largest weight fmix32(xxh32(key) ^ xxh32(node)).
 * Hashing the key once and mixing per node keeps 1M keys × 100 nodes to
 * 100M multiply-xor rounds instead of 100M string hashes.
 */
export class RendezvousPlacement implements Placement {
  readonly algorithm = 'rendezvous'
  private readonly nodeHashes: Uint32Array
  private readonly rank: Int32Array

  constructor(readonly nodes: readonly string[]) {
    requireDistinctNodes(nodes)
    this.nodeHashes = Uint32Array.from(nodes, (node) => hashString(node, NODE_SEED))
    this.rank = rankById(nodes)
  }

  ownerIndex(key: string): number {
    const keyHash = hashKey(key)
    const nodeHashes = this.nodeHashes
    let best = 0
    let bestWeight = -1
    for (let n = 0; n < nodeHashes.length; n++) {
      const weight = fmix32(keyHash ^ nodeHashes[n])
      // Equal weights (1 in 2^32 per pair) go to the lower id, whatever the list order.
      if (weight > bestWeight || (weight === bestWeight && this.rank[n] < this.rank[best])) {
        best = n
        bestWeight = weight
      }
    }
    return best
  }

  owner(key: string): string {
    return this.nodes[this.ownerIndex(key)]
  }

  hashSpaceShares(): null {
    return null
  }
}
