/** A later run against the first on one metric: the ratio B/A, and how much worse that is given which way is better. */
import type {ComparedMetric} from './compare.js'

/** B/A; 1 when both are 0, null when only the first is (no finite ratio). */
export const ratio = (first: number, value: number): number | null => (first === 0 ? (value === 0 ? 1 : null) : value / first)

/** How much worse run `i` is than the first on this metric, in percent: negative when better, ±Infinity against a first value of 0. */
export function worseByPct(m: ComparedMetric, i: number): number {
  const r = m.ratios[i]
  if (r === null) return m.better === 'lower' ? Infinity : -Infinity
  return m.better === 'higher' ? (1 - r) * 100 : (r - 1) * 100
}
