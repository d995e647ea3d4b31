import {type LoadBalance, loadBalance} from '../../core/ring/index.js'

export interface ShardLoad {
  /** Per shard: client requests the router forwarded during the run, and keys stored at its end. */
  shards: Record<string, {requests: number; keys: number | null}>
  requests: LoadBalance & {max: number; mean: number}
  keys: (LoadBalance & {max: number; mean: number}) | null
}

/**
 * Per-shard load from two router request counts (before and after the run)
 * and each shard's key count. Shards present only at the end (added
 * mid-run) started from 0; shards gone by the end are not in the table.
 */
export function shardLoad(requestsBefore: Record<string, number>, requestsAfter: Record<string, number>, keys: Record<string, number | null>): ShardLoad {
  const names = Object.keys(requestsAfter)
  const shards = Object.fromEntries(names.map((name) => [name, {requests: requestsAfter[name] - (requestsBefore[name] ?? 0), keys: keys[name] ?? null}]))
  const requests = names.map((name) => shards[name].requests)
  const keyCounts = names.map((name) => shards[name].keys)
  const complete = keyCounts.every((k): k is number => k !== null)
  return {shards, requests: balance(requests), keys: complete ? balance(keyCounts) : null}
}

function balance(values: number[]): LoadBalance & {max: number; mean: number} {
  const mean = values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length
  return {max: Math.max(0, ...values), mean, ...loadBalance(values)}
}
