/**
 * Zipf-distributed indices in [0, n), index 0 the most popular:
 * P(i) ∝ 1/(i+1)^theta. Gray et al., "Quickly Generating Billion-Record
 * Synthetic Databases" (SIGMOD 1994), as YCSB's ZipfianGenerator does it:
 * O(n) set-up for zeta(n), then O(1) per draw, so build one and share it.
 * theta must be in (0, 1); YCSB's default is 0.99.
 */
export class ZipfDistribution {
  private readonly alpha: number
  private readonly zetaN: number
  private readonly eta: number
  private readonly halfPowTheta: number

  constructor(
    private readonly n: number,
    theta: number,
  ) {
    if (!(theta > 0 && theta < 1)) throw new RangeError(`zipf theta must be in (0, 1), got ${theta}`)
    if (!(Number.isSafeInteger(n) && n >= 1)) throw new RangeError(`zipf needs n >= 1, got ${n}`)
    this.zetaN = zeta(n, theta)
    this.alpha = 1 / (1 - theta)
    this.eta = (1 - Math.pow(2 / n, 1 - theta)) / (1 - zeta(2, theta) / this.zetaN)
    this.halfPowTheta = Math.pow(0.5, theta)
  }

  /** The index for a uniform draw `u` in [0, 1). */
  sample(u: number): number {
    const uz = u * this.zetaN
    if (uz < 1) return 0
    if (uz < 1 + this.halfPowTheta) return Math.min(1, this.n - 1)
    return Math.min(this.n - 1, Math.floor(this.n * Math.pow(this.eta * u - this.eta + 1, this.alpha)))
  }
}

function zeta(n: number, theta: number): number {
  let sum = 0
  for (let i = 1; i <= n; i++) sum += 1 / Math.pow(i, theta)
  return sum
}
