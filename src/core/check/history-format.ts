/**
 * Reading a history back (DESIGN.md "Histories"): JSON Lines, one event a
 * line, checked line by line before any checker sees it, so a bad file is one
 * clear error naming its line instead of a wrong verdict.
 */

/** A history that cannot be checked: not JSON, a missing or mistyped field, an outcome with no invocation. */
export class MalformedHistoryError extends Error {
  override name = 'MalformedHistoryError'
}

/** One field's rule: its name, a test of its value (undefined when the field is absent), and what it must be, in words. */
export type FieldRule = readonly [field: string, test: (value: unknown) => boolean, expected: string]

export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
export const isString = (v: unknown): v is string => typeof v === 'string'
export const optional =
  (test: (v: unknown) => boolean) =>
  (v: unknown): boolean =>
    v === undefined || test(v)
export const oneOf =
  (...values: readonly string[]) =>
  (v: unknown): boolean =>
    typeof v === 'string' && values.includes(v)

/** The outcome types of an operation's events, as Jepsen and Porcupine record them. */
export const EVENT_TYPES = ['invoke', 'ok', 'fail', 'info'] as const

/** The first rule `event` breaks, in words; undefined when it keeps them all. Fields no rule names are allowed (another tool may add its own). */
export function brokenRule(event: Record<string, unknown>, rules: readonly FieldRule[]): string | undefined {
  for (const [field, test, expected] of rules) {
    const value = event[field]
    if (!test(value)) return value === undefined ? `missing field "${field}" (${expected})` : `field "${field}" must be ${expected}, not ${JSON.stringify(value)}`
  }
  return undefined
}

/**
 * The events of a JSON Lines history from `text` (read from `source`), each
 * checked by `problemOf` (a problem in words, or undefined). Blank lines are
 * skipped. Each process has one operation open at a time: an invocation while
 * one is open, or an outcome of another function or with none open, is
 * malformed too. Throws MalformedHistoryError naming `source` and the line.
 */
export function parseHistory<E>(text: string, source: string, kind: string, problemOf: (event: Record<string, unknown>) => string | undefined): E[] {
  const events: E[] = []
  const open = new Map<unknown, {f: unknown; line: number}>()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '') continue
    const fail = (problem: string): never => {
      throw new MalformedHistoryError(`${source}, line ${i + 1}: ${problem}`)
    }
    let event: unknown
    try {
      event = JSON.parse(line)
    } catch (err) {
      fail(`not JSON (${(err as Error).message})`)
    }
    if (event === null || typeof event !== 'object' || Array.isArray(event)) fail(`not a ${kind} history event: an event is a JSON object`)
    const record = event as Record<string, unknown>
    const problem = problemOf(record)
    if (problem !== undefined) fail(`not a ${kind} history event: ${problem}`)
    if (record.process !== undefined) {
      const invoked = open.get(record.process)
      if (record.type === 'invoke') {
        if (invoked) fail(`process ${record.process} invokes ${record.f} while its ${invoked.f} of line ${invoked.line} is still open`)
        open.set(record.process, {f: record.f, line: i + 1})
      } else {
        if (!invoked) fail(`process ${record.process} completes a ${record.f} it never invoked`)
        else if (invoked.f !== record.f) fail(`process ${record.process} completes a ${record.f}, but its open operation is the ${invoked.f} of line ${invoked.line}`)
        open.delete(record.process)
      }
    }
    events.push(record as E)
  }
  if (events.length === 0) throw new MalformedHistoryError(`${source}: the history is empty (a history has one JSON event a line)`)
  return events
}
