import type {Logger} from './node-log.js'

/**
 * The fail-stop rule of every node process, in one place. An error that is
 * not an answer — a broken invariant, a TypeError: a bug — may have left the
 * node's state half-mutated, so the node must not go on serving or voting
 * from it. The error and its stack go to the node's log (written
 * synchronously) and the process exits at once: no answer is sent to the
 * request in flight or any other, and the supervisor shows the node dead.
 */
export function failStop(log: Logger, where: string, err: unknown, fields: Record<string, unknown> = {}): never {
  log.error(`fail-stop: ${where}`, {...fields, error: err instanceof Error ? (err.stack ?? String(err)) : String(err)})
  process.exit(1)
}
