/**
 * The Raft KV's request limits, enforced by every replica (README: "Limits").
 * Lengths are in UTF-16 code units (characters for ASCII), as JSON strings are measured.
 */
export const KV_LIMITS = {
  /** A key is one URL path segment; longer keys are 413. */
  keyLength: 1024,
  /** A value longer than this is 413. */
  valueLength: 64 * 1024,
  /** A clientId longer than this is 413. */
  clientIdLength: 128,
  /**
   * Clients whose last write the dedup table remembers; the least recently
   * writing client is forgotten first (its retries are then no longer deduplicated).
   */
  dedupClients: 100_000,
} as const
