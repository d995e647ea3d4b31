import type {Rng} from '../../core/common/rng.js'
import type {Disk} from './disk.js'

/** A pending timer; cancelling one that has fired or was cancelled does nothing. */
export interface Timer {
  cancel(): void
}

/**
 * Everything non-deterministic a node's wrappers touch besides their network:
 * time, timers, randomness and the disk. A node process gets `realEnv()`; a
 * seeded simulation gives each simulated node a `SimEnv` on one shared
 * `SimScheduler`, with the node's own `SimDisk`, so the same wrapper code runs
 * in both (docs/ARCHITECTURE.md). The network reaches each wrapper as its own
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
  /** Where the storage layer keeps its files: node:fs, or a SimDisk that loses unsynced writes on a crash. */
  readonly disk: Disk
}
