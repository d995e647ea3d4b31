import {hashKey} from './hash.js'
import {HashRing} from './ketama-ring.js'
import {type Placement, PlacementInputError, requireInteger} from './placement.js'
import {invariant} from '../common/invariant.js'

/**
 * `bounded`: consistent hashing with bounded loads (Mirrokni, Thorup &
 * Zadimoghaddam, SODA 2018). Keys walk the `ring` clockwise from their hash
 * and settle on the first node holding fewer than
 * capacity = ceil((1+ε)·m/N) keys, m = max(keys placed so far, expectedKeys).
 *
 * Unlike the other placements this one is stateful over a key set: a key's
 * owner depends on which keys were placed before it. `owner(key)` places a key
 * the first time it is asked about and remembers it; asking again returns the
 * same node. So two placements agree only if they saw the same keys in the
 * same order: the churn statistics place the same key sequence, in key-set
 * order, into the before and the after node set, each from scratch, and a
 * live router that wants to predict moves must replay that same order.
 * Passing expectedKeys = the key count fixes the capacity for the whole
 * sequence (the paper's static setting); without it the capacity grows as
 * keys arrive, and early keys see a tighter bound.
 *
 * Max load ≤ ceil((1+ε)·m/N) holds after every placement: a key only lands
 * on a node below capacity, and capacity never shrinks. Keys are never
 * removed here (deletes would need the paper's re-placement step).
 */
export class BoundedLoadPlacement implements Placement {
  readonly algorithm = 'bounded'
  private readonly ring: HashRing
  private readonly placed = new Map<string, number>()
  private readonly loads: Int32Array

  constructor(
    readonly nodes: readonly string[],
    readonly vnodes: number,
    readonly epsilon: number,
    readonly expectedKeys: number,
  ) {
    if (!(epsilon > 0) || !Number.isFinite(epsilon)) {
      throw new PlacementInputError(`epsilon must be a number > 0, got ${epsilon}`)
    }
    requireInteger('expectedKeys', expectedKeys, 0)
    this.ring = new HashRing(nodes, vnodes)
    this.loads = new Int32Array(nodes.length)
  }

  /** The current per-node cap: ceil((1+ε)·max(m, expectedKeys)/N) for m keys placed. */
  capacity(keyCount: number): number {
    const m = Math.max(keyCount, this.expectedKeys)
    // The 1e-9 absorbs float error such as 1.1·100/10 = 11.000000000000002.
    return Math.max(1, Math.ceil(((1 + this.epsilon) * m) / this.nodes.length - 1e-9))
  }

  ownerIndex(key: string): number {
    const known = this.placed.get(key)
    if (known !== undefined) return known
    const capacity = this.capacity(this.placed.size + 1)
    const {owners} = this.ring
    let point = this.ring.successor(hashKey(key))
    // Total capacity N·cap ≥ (1+ε)·m > keys placed, so a free node exists
    // within one lap of the ring.
    for (let step = 0; step < owners.length; step++) {
      const node = owners[point]
      if (this.loads[node] < capacity) {
        this.loads[node]++
        this.placed.set(key, node)
        return node
      }
      point = point + 1 === owners.length ? 0 : point + 1
    }
    invariant(false, `bounded loads: no node below capacity ${capacity} after a full lap`)
  }

  owner(key: string): string {
    return this.nodes[this.ownerIndex(key)]
  }

  hashSpaceShares(): null {
    return null
  }
}
