/** Thrown by a checker: a safety property of the protocol (or of the KV on top) does not hold. */
export class SafetyViolation extends Error {
  override name = 'SafetyViolation'
}
