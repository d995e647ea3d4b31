import {expect, test} from 'vitest'

import {ZipfDistribution} from '../../../src/bench/kv/zipf.js'

/** Frequencies of each index over an even grid of uniform draws: deterministic, no random source. */
function frequencies(z: ZipfDistribution, n: number, draws: number): number[] {
  const counts = new Array<number>(n).fill(0)
  for (let k = 0; k < draws; k++) counts[z.sample((k + 0.5) / draws)]++
  return counts.map((c) => c / draws)
}

/** The exact Zipf probabilities P(i) = (1/(i+1)^θ) / ζ(n, θ). */
function exact(n: number, theta: number): number[] {
  const weights = Array.from({length: n}, (_, i) => 1 / Math.pow(i + 1, theta))
  const zeta = weights.reduce((a, b) => a + b, 0)
  return weights.map((w) => w / zeta)
}

test('zipf draws stay in [0, n), with the two most popular indices at their exact probabilities', () => {
  const n = 1_000
  const f = frequencies(new ZipfDistribution(n, 0.99), n, 400_000)
  const p = exact(n, 0.99)
  expect(f.length).toBe(n)
  expect(f[0]).toBeCloseTo(p[0], 3)
  expect(f[1]).toBeCloseTo(p[1], 3)
})

test('zipf is skewed as theta says: the top tenth of keys takes the share the exact distribution gives it', () => {
  const n = 1_000
  for (const theta of [0.5, 0.99]) {
    const f = frequencies(new ZipfDistribution(n, theta), n, 400_000)
    const p = exact(n, theta)
    const top = (xs: number[]): number => xs.slice(0, n / 10).reduce((a, b) => a + b, 0)
    expect(Math.abs(top(f) - top(p))).toBeLessThan(0.02)
  }
})

test('zipf refuses a theta outside (0, 1) and an empty key space', () => {
  expect(() => new ZipfDistribution(10, 1)).toThrow('zipf theta must be in (0, 1), got 1')
  expect(() => new ZipfDistribution(0, 0.5)).toThrow('zipf needs n >= 1, got 0')
})
