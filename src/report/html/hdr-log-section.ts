/** An HDR interval log read back (`--hdr-log`): its latency spectrum per tag and its intervals over time. */

import type {ReportInput} from '../report-input.js'
import {type ChartSpec, chartSlot, type SectionParts} from './chart-spec.js'
import {arr, esc, facts, num} from './format.js'
import {histogramCurves, spectrumChart} from './spectrum-chart.js'
import {timelineCharts, type TimelinePoint, wholeSeconds} from './timeline-charts.js'

export function hdrLogSection(input: ReportInput, idPrefix: string): SectionParts {
  const r = input.result
  const encoded = histogramCurves(r.hdrHistograms)
  const timeline = wholeSeconds(arr(r.timeline) as TimelinePoint[], Number(r.endS))
  const charts: ChartSpec[] = [
    ...(timeline.length > 0 ? timelineCharts(idPrefix, timeline, []) : []),
    ...(encoded.length > 0 ? [spectrumChart(`${idPrefix}-spectrum`, 'Latency by percentile, per tag (whole log)', encoded)] : []),
  ]
  const html = [
    facts([
      ['bench', esc(r.benchWorkload ?? '–')],
      ['target', esc(r.target || '–')],
      ['intervals', `${num(r.intervals)} (the measured window, warmup excluded)`],
      ['tags', esc(arr(r.tags).join(', '))],
    ]),
    `<div class="charts">${charts.map(chartSlot).join('')}</div>`,
  ].join('\n')
  return {html, charts}
}
