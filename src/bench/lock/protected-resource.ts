/**
 * The "protected resource" of the lock benchmark: what a lock is for. Every
 * holder enters it with its fencing token and lease expiry and leaves it
 * before releasing. It rejects writes with stale tokens (fencing at work) and
 * counts violations of mutual exclusion:
 * - overlap: a holder enters while another holder's lease is still valid;
 * - token order: a grant whose token is not above every token seen before on that lock.
 *
 * It lives in shared memory, so the clients of a --threads run all enter the
 * same resource: each lock's slot is guarded by a spin lock of a few
 * instructions (Atomics), and the counters are atomic.
 */
export interface SafetyReport {
  /** Holders that entered, from every thread: equals the grants when the resource is really shared. */
  entries: number
  violations: number
  overlaps: number
  tokenOrderViolations: number
  staleWritesRejected: number
  fencing: boolean
}

const OVERLAPS = 0
const TOKEN_ORDER = 1
const STALE_WRITES = 2
const ENTRIES = 3
const COUNTERS = 4
const NO_OCCUPANT = -1
const LEASE_END = 0
const HIGHEST_TOKEN = 1
const LAST_EXIT = 2
const FLOATS_PER_LOCK = 3

export class ProtectedResource {
  /** Counters, then per lock: its guard and its occupant's client (NO_OCCUPANT when free). */
  private readonly ints: Int32Array
  /** Per lock: the occupant's lease end (wall-clock ms), the highest token seen, and when the last holder left (ms, timeOrigin-based). */
  private readonly floats: Float64Array

  /**
   * `fencing` is false for targets without tokens (Redis): only overlaps can
   * be checked there. `shared` is another thread's resource (its `buffer`);
   * without it a new one is made.
   */
  constructor(
    private readonly fencing: boolean,
    private readonly locks: number,
    shared?: SharedArrayBuffer,
  ) {
    const floatsOffset = Math.ceil(((COUNTERS + 2 * locks) * 4) / 8) * 8
    this.buffer = shared ?? new SharedArrayBuffer(floatsOffset + FLOATS_PER_LOCK * locks * 8)
    this.ints = new Int32Array(this.buffer, 0, COUNTERS + 2 * locks)
    this.floats = new Float64Array(this.buffer, floatsOffset, FLOATS_PER_LOCK * locks)
    if (!shared) {
      for (let lock = 0; lock < locks; lock++) {
        this.ints[this.occupantAt(lock)] = NO_OCCUPANT
        // Below every token: a first grant's token may be 0 (ZooKeeper's first sequence number).
        this.floats[FLOATS_PER_LOCK * lock + HIGHEST_TOKEN] = -Infinity
      }
    }
  }

  readonly buffer: SharedArrayBuffer

  /**
   * A holder enters at `nowMs` (wall clock, to compare with lease ends) and
   * `atMs` (timeOrigin + performance.now(), the same clock on every thread).
   * Returns the hand-off gap: how long the resource stood empty since the
   * last holder left (undefined for the first holder of a lock).
   */
  enter(lock: number, client: number, token: number | undefined, expiresAt: number, nowMs: number, atMs: number): number | undefined {
    Atomics.add(this.ints, ENTRIES, 1)
    const f = FLOATS_PER_LOCK * lock
    return this.guarded(lock, () => {
      if (this.ints[this.occupantAt(lock)] !== NO_OCCUPANT && this.floats[f + LEASE_END] > nowMs) Atomics.add(this.ints, OVERLAPS, 1)
      if (token !== undefined) {
        if (token <= this.floats[f + HIGHEST_TOKEN]) Atomics.add(this.ints, TOKEN_ORDER, 1)
        this.floats[f + HIGHEST_TOKEN] = Math.max(this.floats[f + HIGHEST_TOKEN], token)
      }
      this.ints[this.occupantAt(lock)] = client
      this.floats[f + LEASE_END] = expiresAt
      const left = this.floats[f + LAST_EXIT]
      return left > 0 ? Math.max(0, atMs - left) : undefined
    })
  }

  /** A write under the lock: accepted only with the newest token (false = fenced off). */
  write(lock: number, token: number | undefined): boolean {
    if (token === undefined) return true
    const stale = this.guarded(lock, () => token < this.floats[FLOATS_PER_LOCK * lock + HIGHEST_TOKEN])
    if (stale) Atomics.add(this.ints, STALE_WRITES, 1)
    return !stale
  }

  /** The holder leaves at `atMs` (the clock of enter's `atMs`). */
  exit(lock: number, client: number, atMs: number): void {
    this.guarded(lock, () => {
      if (this.ints[this.occupantAt(lock)] !== client) return
      this.ints[this.occupantAt(lock)] = NO_OCCUPANT
      this.floats[FLOATS_PER_LOCK * lock + LAST_EXIT] = atMs
    })
  }

  report(): SafetyReport {
    const overlaps = Atomics.load(this.ints, OVERLAPS)
    const tokenOrderViolations = Atomics.load(this.ints, TOKEN_ORDER)
    return {
      entries: Atomics.load(this.ints, ENTRIES),
      violations: overlaps + tokenOrderViolations,
      overlaps,
      tokenOrderViolations,
      staleWritesRejected: Atomics.load(this.ints, STALE_WRITES),
      fencing: this.fencing,
    }
  }

  private occupantAt(lock: number): number {
    return COUNTERS + this.locks + lock
  }

  /** Runs `fn` holding the lock's guard: a handful of loads and stores, so waiting for it spins briefly. */
  private guarded<T>(lock: number, fn: () => T): T {
    const guard = COUNTERS + lock
    while (Atomics.compareExchange(this.ints, guard, 0, 1) !== 0);
    try {
      return fn()
    } finally {
      Atomics.store(this.ints, guard, 0)
    }
  }
}
