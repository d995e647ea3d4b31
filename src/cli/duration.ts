import parse from 'parse-duration'

/** Parses a duration with units ("500ms", "10s", "2m") into milliseconds. */
export function parseDurationMs(text: string): number {
  const trimmed = text.trim()
  const ms = /^\d+(\.\d+)?\s*[a-zµμ]+/i.test(trimmed) ? parse(trimmed) : null
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) {
    throw new Error(`invalid duration "${text}": expected a number with a unit, e.g. 500ms, 10s, 2m`)
  }
  return ms
}
