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

export class ProtectedResource {
  /** Counters, then per lock: its guard and its occupant's client (NO_OCCUPANT when free). */
  private readonly ints: Int32Array
  /** Per lock: the occupant's lease end (wall-clock ms) and the highest token seen. */
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
    this.buffer = shared ?? new SharedArrayBuffer(floatsOffset + 2 * locks * 8)
    this.ints = new Int32Array(this.buffer, 0, COUNTERS + 2 * locks)
    this.floats = new Float64Array(this.buffer, floatsOffset, 2 * locks)
    if (!shared) for (let lock = 0; lock < locks; lock++) this.ints[this.occupantAt(lock)] = NO_OCCUPANT
  }

  readonly buffer: SharedArrayBuffer

  enter(lock: number, client: number, token: number | undefined, expiresAt: number, nowMs: number): void {
    Atomics.add(this.ints, ENTRIES, 1)
    this.guarded(lock, () => {
      if (this.ints[this.occupantAt(lock)] !== NO_OCCUPANT && this.floats[2 * lock] > nowMs) Atomics.add(this.ints, OVERLAPS, 1)
      if (token !== undefined) {
        if (token <= this.floats[2 * lock + 1]) Atomics.add(this.ints, TOKEN_ORDER, 1)
        this.floats[2 * lock + 1] = Math.max(this.floats[2 * lock + 1], token)
      }
      this.ints[this.occupantAt(lock)] = client
      this.floats[2 * lock] = expiresAt
    })
  }

  /** A write under the lock: accepted only with the newest token (false = fenced off). */
  write(lock: number, token: number | undefined): boolean {
    if (token === undefined) return true
    const stale = this.guarded(lock, () => token < this.floats[2 * lock + 1])
    if (stale) Atomics.add(this.ints, STALE_WRITES, 1)
    return !stale
  }

  exit(lock: number, client: number): void {
    this.guarded(lock, () => {
      if (this.ints[this.occupantAt(lock)] === client) this.ints[this.occupantAt(lock)] = NO_OCCUPANT
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
