/** A fraction as a percentage with two decimals: 0.0909 → "9.09%". */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`
}
