/**
 * Limits of the live ring (router and shards). Keys and values are counted
 * in UTF-16 code units (JavaScript string length); over a limit is 413.
 */
export const RING_LIMITS = {
  keyLength: 1024,
  valueLength: 64 * 1024,
  /** Entries in one migration batch request (get/put/delete). */
  batchItems: 2048,
  /** A router body holds one value: 6× for worst-case JSON escaping plus room for the envelope. */
  routerBodyBytes: 1 << 20,
  /** A shard body holds a migration batch, which the router caps at batchBytes. */
  shardBodyBytes: 16 << 20,
  /** The router closes a migration batch once its JSON reaches this many bytes. */
  batchBytes: 4 << 20,
} as const
