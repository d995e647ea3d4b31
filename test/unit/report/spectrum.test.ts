import * as hdr from 'hdr-histogram-js'
import {describe, expect, it} from 'vitest'

import {SPECTRUM_STEP, spectrumCurves, spectrumTicks} from '../../../src/report/html/spectrum.js'

/** 1 ms … 1000 ms, one sample each: the value at q is about q × 1000 ms. */
function uniformMillis(count: number): string {
  const h = hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3})
  for (let i = 1; i <= count; i++) h.recordValue(Math.round((i * 1_000_000) / count))
  return hdr.encodeIntoCompressedBase64(h)
}

describe('percentile spectrum', () => {
  it('places q at log10(1/(1−q)): 90% at 1, 99% at 2, in milliseconds', () => {
    const {x, curves} = spectrumCurves([{label: 'all', encoded: uniformMillis(1000)}])
    const at = (xv: number) => curves[0].values[x.findIndex((v) => Math.abs(v - xv) < 1e-9)]!
    expect(at(1)).toBeCloseTo(900, -1)
    expect(at(2)).toBeCloseTo(990, -1)
    expect(at(0)).toBeCloseTo(1, 0)
  })

  it('stops a curve one point past what its sample count resolves, at its maximum', () => {
    const {x, curves} = spectrumCurves([
      {label: 'few', encoded: uniformMillis(100)},
      {label: 'many', encoded: uniformMillis(10_000)},
    ])
    const few = curves[0].values
    const last = few.findLastIndex((v) => v !== null)
    expect(x[last]).toBeCloseTo(2 + SPECTRUM_STEP, 9)
    expect(few[last]).toBeCloseTo(1000, -1)
    expect(curves[1].values.findLastIndex((v) => v !== null)).toBe(x.length - 1)
  })

  it('labels a tick at each whole nine the grid reaches', () => {
    expect(spectrumTicks([0, 1, 2, 3.05])).toEqual([
      {value: 0, label: '0%'},
      {value: 1, label: '90%'},
      {value: 2, label: '99%'},
      {value: 3, label: '99.9%'},
    ])
  })
})
