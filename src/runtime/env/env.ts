import type {Rng} from '../../core/common/rng.js'

/** A pending timer; cancelling one that has fired or was cancelled does nothing. */
export interface Timer {
  cancel(): void
}

/**
 * Everything non-deterministic a node's wrappers touch besides their network:
 * time, timers and randomness (and, with the storage layer, the disk). A node
 * process gets `realEnv()`; a seeded simulation gives each simulated node a
 * `SimEnv` on one shared `SimScheduler`, so the same wrapper code runs in both
 * (docs/ARCHITECTURE.md). The network reaches each wrapper as its own
 * transport interface, injected the same way.
 */
export interface Env {
  /** Monotonic milliseconds, fractional: durations and deadlines. */
  now(): number
  /** Milliseconds since the epoch: times written to disk that must still mean something after a restart. */
  wallNow(): number
  /** Runs `fn` once, `delayMs` from now. */
  setTimer(delayMs: number, fn: () => void): Timer
  /** Seeded in simulation; seeded from the OS in production. */
  readonly rng: Rng
}
