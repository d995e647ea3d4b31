import {unreachable} from '../common/invariant.js'
import {BoundedLoadPlacement} from './bounded-load.js'
import {JumpPlacement} from './jump-placement.js'
import {RingPlacement} from './ketama-ring.js'
import {MaglevPlacement} from './maglev.js'
import {MultiProbePlacement} from './multiprobe.js'
import type {Placement, PlacementSpec} from './placement.js'
import {RendezvousPlacement} from './rendezvous.js'

/**
 * Builds the placement for `nodes` (distinct, non-empty ids). Throws
 * PlacementInputError on bad options. Order of `nodes` matters only for
 * `jump` (it is the bucket numbering); use `nextMembership` to change it.
 */
export function createPlacement(nodes: readonly string[], spec: PlacementSpec): Placement {
  switch (spec.algorithm) {
    case 'ring':
      return new RingPlacement(nodes, spec.vnodes)
    case 'jump':
      return new JumpPlacement(nodes)
    case 'rendezvous':
      return new RendezvousPlacement(nodes)
    case 'maglev':
      return new MaglevPlacement(nodes, spec.tableSize)
    case 'multiprobe':
      return new MultiProbePlacement(nodes, spec.probes)
    case 'bounded':
      return new BoundedLoadPlacement(nodes, spec.vnodes, spec.epsilon, spec.expectedKeys)
    default:
      return unreachable(spec)
  }
}
