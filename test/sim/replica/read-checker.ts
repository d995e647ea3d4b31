import {SafetyViolation} from './safety-violation.js'

/**
 * Linearizable reads, checked the cheap way the workload allows: every write
 * has a unique value and the log index that applied it is its version, so a
 * read that started after a write to the same key was acknowledged must
 * return that write or a later one (version >= the acknowledged write's index).
 */
export class ReadChecker {
  private readonly ackedIndexOf = new Map<string, number>()
  private readonly requiredIndexOf = new Map<string, {key: string; index: number}>()
  completedReads = 0

  writeAcknowledged(key: string, index: number): void {
    this.ackedIndexOf.set(key, Math.max(this.ackedIndexOf.get(key) ?? 0, index))
  }

  readStarted(requestId: string, key: string): void {
    this.requiredIndexOf.set(requestId, {key, index: this.ackedIndexOf.get(key) ?? 0})
  }

  /** `version` is the index of the write whose value the read returned, 0 for none. */
  readReturned(requestId: string, version: number): void {
    const required = this.requiredIndexOf.get(requestId)
    if (required === undefined) throw new Error(`read checker: unknown read ${requestId}`)
    this.requiredIndexOf.delete(requestId)
    if (version < required.index) {
      throw new SafetyViolation(
        `stale read ${requestId} of ${required.key}: saw version ${version}, ` +
          `but the write at index ${required.index} was acknowledged before the read started`,
      )
    }
    this.completedReads++
  }

  readAbandoned(requestId: string): void {
    this.requiredIndexOf.delete(requestId)
  }
}
