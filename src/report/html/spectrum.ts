/**
 * Latency percentile spectra as HdrHistogram plots them: x = log10(1/(1−q)),
 * so 90%, 99%, 99.9%… are evenly spaced and the tail gets the room it needs.
 * Histograms arrive as HdrHistogram compressed base64 with microsecond values.
 */

import * as hdr from 'hdr-histogram-js'

/** Grid step on the log10(1/(1−q)) axis: 20 points per "nine". */
export const SPECTRUM_STEP = 0.05
/** The axis ends at 99.9999%: past it a run of a few minutes has no samples to show. */
const MAX_NINES = 6

export interface SpectrumCurves {
  /** log10(1/(1−q)) at each grid point, from 0 (q = 0). */
  x: number[]
  curves: Array<{label: string; values: Array<number | null>}>
}

/** The percentile at grid position x, as a fraction (x = 2 → 0.99). */
function quantileAt(x: number): number {
  return 1 - 10 ** -x
}

/**
 * One curve per histogram on a shared grid, in milliseconds. A curve goes as
 * far as its sample count resolves (1 − q ≥ 1/count), then one more point at
 * its maximum, then nothing: more nines than samples would be a flat line of
 * invented precision.
 */
export function spectrumCurves(histograms: ReadonlyArray<{label: string; encoded: string}>): SpectrumCurves {
  const decoded = histograms.map(({label, encoded}) => ({label, h: hdr.decodeFromCompressedBase64(encoded)}))
  const reach = (count: number) => Math.min(MAX_NINES, count > 1 ? Math.log10(count) : 0)
  const points = Math.floor(Math.max(0, ...decoded.map(({h}) => reach(h.totalCount))) / SPECTRUM_STEP + 1e-9) + 2
  const x = Array.from({length: points}, (_, k) => Number((k * SPECTRUM_STEP).toFixed(4)))
  const curves = decoded.map(({label, h}) => {
    const last = Math.floor(reach(h.totalCount) / SPECTRUM_STEP + 1e-9)
    const values = x.map((xk, k): number | null => {
      if (h.totalCount === 0 || k > last + 1) return null
      const micros = k > last ? h.maxValue : Math.min(h.getValueAtPercentile(100 * quantileAt(xk)), h.maxValue)
      return micros / 1000
    })
    return {label, values}
  })
  return {x, curves}
}

/** Ticks at each whole nine the grid reaches: 0%, 90%, 99%, 99.9%… */
export function spectrumTicks(x: readonly number[]): Array<{value: number; label: string}> {
  const end = x.length === 0 ? 0 : x[x.length - 1]
  return Array.from({length: Math.floor(end + 1e-9) + 1}, (_, nines) => ({
    value: nines,
    label: nines === 0 ? '0%' : `${(100 * quantileAt(nines)).toFixed(Math.max(0, nines - 2))}%`,
  }))
}
