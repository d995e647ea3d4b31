/** Thrown by a checker: a safety property of the protocol (or of the KV on top) does not hold. */
export class SafetyViolation extends Error {
  override name = 'SafetyViolation'
}

/** Throws a SafetyViolation with `message` unless `condition` holds: the checkers' assertion. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new SafetyViolation(message)
}
