import type {Rng} from './rng.js'

/** Bounded exponential backoff with jitter: every retry loop in dsys (2PC re-sends, migration steps, KV client redirects) uses it. */
export interface RetryPolicy {
  initialMs: number
  maxMs: number
}

/**
 * Delay before re-send number `attempt` (0 = the first re-send): doubling up
 * to `maxMs`, with "equal jitter" (half fixed, half random) so a recovered
 * node's many re-sends do not arrive in lockstep.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, rng: Rng): number {
  const ceilingMs = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30))
  return ceilingMs / 2 + rng.next() * (ceilingMs / 2)
}
