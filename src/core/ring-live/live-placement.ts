import {type AlgorithmName, createPlacement, DEFAULT_PLACEMENT_OPTIONS, isAlgorithmName, type Placement, PlacementInputError, type PlacementOptions, specFor} from '../ring/index.js'

/** The router's placement settings: everything but the node list. */
export interface LivePlacementConfig {
  algorithm: AlgorithmName
  options: PlacementOptions
}

/**
 * Checks a router's algorithm and options. `bounded` is refused live: its
 * owner of a key depends on the order keys arrived in (bounded-load.ts), so
 * a router would need a durable key directory to route after a restart, and
 * the offline prediction could not replay the live arrival order. Its churn
 * is measured offline with `dsys ring churn --algo bounded`.
 */
export function liveConfig(algorithm: string, options: Partial<PlacementOptions> = {}): LivePlacementConfig {
  if (!isAlgorithmName(algorithm)) throw new PlacementInputError(`unknown algorithm "${algorithm}"`)
  if (algorithm === 'bounded') {
    throw new PlacementInputError(
      'the bounded algorithm is offline-only: a key\'s owner depends on the order keys arrive, which a live router cannot replay after a restart; use ring, jump, rendezvous, maglev or multiprobe live, and `dsys ring churn --algo bounded` offline',
    )
  }
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  return {algorithm, options: {...DEFAULT_PLACEMENT_OPTIONS, ...defined, expectedKeys: 0}}
}

export function livePlacement(nodes: readonly string[], config: LivePlacementConfig): Placement {
  return createPlacement(nodes, specFor(config.algorithm, config.options))
}
