import {hashKey} from './hash.js'
import {jumpConsistentHash} from './jump-hash.js'
import {type Placement, requireDistinctNodes} from './placement.js'

/**
 * `jump`: bucket = jumpConsistentHash(xxh32(key), N) and node = nodes[bucket].
 * Buckets are positions in the node list, so only the last node can leave
 * without renumbering; `nextMembership` fills a hole left by a removed node
 * with the last node, which then also hands over its keys.
 */
export class JumpPlacement implements Placement {
  readonly algorithm = 'jump'

  constructor(readonly nodes: readonly string[]) {
    requireDistinctNodes(nodes)
  }

  ownerIndex(key: string): number {
    return jumpConsistentHash(0, hashKey(key), this.nodes.length)
  }

  owner(key: string): string {
    return this.nodes[this.ownerIndex(key)]
  }

  hashSpaceShares(): null {
    return null
  }
}
