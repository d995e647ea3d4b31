/** A percentile spectrum chart: latency (log ms) against log10(1/(1−q)), one curve per histogram. */

import type {XYChart} from './chart-spec.js'
import {seriesColor} from './palette.js'
import {obj} from './format.js'
import {spectrumCurves, spectrumTicks} from './spectrum.js'

export function spectrumChart(id: string, title: string, histograms: ReadonlyArray<{label: string; encoded: string}>): XYChart {
  const {x, curves} = spectrumCurves(histograms)
  return {
    type: 'xy',
    id,
    title,
    x,
    xAxis: {label: 'percentile (log scale of 1/(1−q))'},
    xTicks: spectrumTicks(x),
    yAxis: {label: 'latency (ms, log scale)', log: true},
    series: curves.map((c, i) => ({label: c.label, color: seriesColor(i), values: c.values})),
    bands: [],
  }
}

/** The curves to draw from a result's hdrHistograms: "all" and one per type, but one type alone only once (it is the same curve as "all"). */
export function histogramCurves(hdrHistograms: unknown): Array<{label: string; encoded: string}> {
  const encoded = Object.entries(obj(hdrHistograms) ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string')
  const types = encoded.filter(([k]) => k !== 'all')
  return (types.length === 1 ? types : encoded).map(([label, e]) => ({label, encoded: e}))
}
