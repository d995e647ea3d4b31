import {KV_LIMITS} from '../kv/limits.js'

/**
 * Limits of the live ring (router and shards). Keys and values are the Raft
 * KV's (same API, same limits), counted in UTF-16 code units; over a limit is 413.
 */
export const RING_LIMITS = {
  keyLength: KV_LIMITS.keyLength,
  valueLength: KV_LIMITS.valueLength,
  /** Entries in one migration batch request (get/put/delete). */
  batchItems: 2048,
  /** A router body holds one value: 6× for worst-case JSON escaping plus room for the envelope. */
  routerBodyBytes: 1 << 20,
  /** A shard body holds a migration batch, which the router caps at batchBytes. */
  shardBodyBytes: 16 << 20,
  /** The router closes a migration batch once its JSON reaches this many bytes. */
  batchBytes: 4 << 20,
} as const
