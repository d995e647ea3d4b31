import parse from 'parse-duration'

/** Parses a duration with units ("500ms", "10s", "2m") into milliseconds. */
export function parseDurationMs(text: string): number {
  const trimmed = text.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) throw new Error(`"${trimmed}" has no unit; did you mean ${trimmed}ms?`)
  const ms = /^\d+(\.\d+)?\s*[a-zµμ]+/i.test(trimmed) ? parse(trimmed) : null
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) {
    throw new Error(`invalid duration "${text}": expected a number with a unit, e.g. 500ms, 10s, 2m`)
  }
  return ms
}

/** Milliseconds as a duration the parser takes back, in the largest whole unit: 1s, 15s, 10m, 250ms. */
export function formatDurationMs(ms: number): string {
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms > 0 && ms % 1_000 === 0) return `${ms / 1_000}s`
  return `${ms}ms`
}
