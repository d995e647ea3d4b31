/**
 * The "protected resource" of the lock benchmark: what a lock is for. Every
 * holder enters it with its fencing token and lease expiry and leaves it
 * before releasing. It rejects writes with stale tokens (fencing at work) and
 * counts violations of mutual exclusion:
 * - overlap: a holder enters while another holder's lease is still valid;
 * - token order: a grant whose token is not above every token seen before on that lock.
 */
export interface SafetyReport {
  violations: number
  overlaps: number
  tokenOrderViolations: number
  staleWritesRejected: number
  fencing: boolean
}

interface Occupant {
  client: number
  token: number | undefined
  expiresAt: number
}

interface Slot {
  occupant: Occupant | undefined
  maxToken: number
}

export class ProtectedResource {
  private readonly slots = new Map<string, Slot>()
  private overlaps = 0
  private tokenOrderViolations = 0
  private staleWritesRejected = 0

  /** `fencing` is false for targets without tokens (Redis): only overlaps can be checked there. */
  constructor(private readonly fencing: boolean) {}

  enter(lock: string, client: number, token: number | undefined, expiresAt: number, nowMs: number): void {
    const slot = this.slot(lock)
    if (slot.occupant && slot.occupant.expiresAt > nowMs) this.overlaps++
    if (token !== undefined) {
      if (token <= slot.maxToken) this.tokenOrderViolations++
      slot.maxToken = Math.max(slot.maxToken, token)
    }
    slot.occupant = {client, token, expiresAt}
  }

  /** A write under the lock: accepted only with the newest token (false = fenced off). */
  write(lock: string, token: number | undefined): boolean {
    if (token === undefined) return true
    const slot = this.slot(lock)
    if (token < slot.maxToken) {
      this.staleWritesRejected++
      return false
    }
    return true
  }

  exit(lock: string, client: number): void {
    const slot = this.slot(lock)
    if (slot.occupant?.client === client) slot.occupant = undefined
  }

  report(): SafetyReport {
    return {
      violations: this.overlaps + this.tokenOrderViolations,
      overlaps: this.overlaps,
      tokenOrderViolations: this.tokenOrderViolations,
      staleWritesRejected: this.staleWritesRejected,
      fencing: this.fencing,
    }
  }

  private slot(lock: string): Slot {
    let slot = this.slots.get(lock)
    if (!slot) this.slots.set(lock, (slot = {occupant: undefined, maxToken: 0}))
    return slot
  }
}
