/** A percentile spectrum chart: latency (log ms) against log10(1/(1−q)), one curve per histogram. */

import type {XYChart} from './chart-spec.js'
import {seriesColor} from './palette.js'
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
