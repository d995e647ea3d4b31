/**
 * Named protocol steps at which a node can be made to crash, for tests and
 * `dsys check txn`. The node arms one with `arm(name)` on its core (from an
 * admin endpoint or an environment variable). When the core reaches the step
 * it stops: the current Ready gets `crash: name` and holds exactly what was
 * done before the step, and the core ignores every later input.
 *
 * Where the node crashes: it handles that Ready as usual up to the sends —
 * append `persist` (fsync when `mustSync`), send `send` — and then kills its
 * process (SIGKILL, no cleanup), before answering clients or taking any other
 * Ready. Doing the truncation in the core places the crash exactly at the
 * protocol step, even when one Ready carries many transactions.
 */
export const failpointNames = [
  /** Prepares sent, no vote counted: recovery must presume abort. */
  'coordinator.after-prepare-sent',
  /** COMMIT record forced, no commit sent, client not answered: recovery must commit everywhere. */
  'coordinator.after-decision-logged',
  /** COMMIT record forced and the first commit message sent, the rest not. */
  'coordinator.mid-commit',
  /** PREPARED record forced, the yes vote not sent: the participant is in doubt. */
  'participant.after-prepare-logged',
  /** COMMIT record forced, no ack sent: the coordinator re-sends and the commit must be idempotent. */
  'participant.after-commit-logged',
] as const

export type FailpointName = (typeof failpointNames)[number]

export function isFailpointName(name: string): name is FailpointName {
  return (failpointNames as readonly string[]).includes(name)
}
