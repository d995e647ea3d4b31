/**
 * The self-contained HTML report of one or more dsys results: an overview,
 * a section per result (bench, ring churn, check, HDR log), an overlaid
 * latency spectrum when several runs have one, and a comparison when given.
 */

import {writeFileAtomicSync} from '../runtime/storage/atomic-file.js'
import type {Comparison} from './compare.js'
import {benchSection} from './html/bench-section.js'
import {chartSlot, type ChartSpec, type SectionParts} from './html/chart-spec.js'
import {checkSection} from './html/check-section.js'
import {churnSection} from './html/churn-section.js'
import {comparisonSection} from './html/comparison-section.js'
import {esc, obj} from './html/format.js'
import {hdrLogSection} from './html/hdr-log-section.js'
import {overviewHtml} from './html/overview.js'
import {page} from './html/page.js'
import {runInfoHtml} from './html/run-info-section.js'
import {spectrumChart} from './html/spectrum-chart.js'
import {verdictOf} from './html/verdict.js'
import type {ReportInput} from './report-input.js'

export type {ReportInput} from './report-input.js'

export interface HtmlReportOptions {
  title?: string
  comparison?: Comparison
}

const sectionId = (i: number) => `run-${i + 1}`

function sectionFor(input: ReportInput, idPrefix: string): SectionParts {
  const workload = String(input.result.workload)
  if (workload === 'ring-churn') return churnSection(input, idPrefix)
  if (workload === 'hdr-log') return hdrLogSection(input, idPrefix)
  if (workload.startsWith('check-')) return checkSection(input, idPrefix)
  return benchSection(input, idPrefix)
}

/** The "all" latency of every run that has one, overlaid: only when there are two or more. */
function overlaidSpectrum(inputs: readonly ReportInput[]): SectionParts | undefined {
  const runs = inputs.flatMap((input) => {
    const all = obj(input.result.hdrHistograms)?.all
    return typeof all === 'string' ? [{label: input.label, encoded: all}] : []
  })
  if (runs.length < 2) return undefined
  const chart = spectrumChart('all-runs-spectrum', 'Latency by percentile, every run overlaid (all operations)', runs)
  return {html: `<h2>All runs</h2><div class="charts">${chartSlot(chart)}</div>`, charts: [chart]}
}

export function renderHtmlReport(inputs: ReportInput[], options: HtmlReportOptions = {}): string {
  const title = options.title ?? (inputs.length === 1 ? `dsys report: ${inputs[0].label}` : `dsys report: ${inputs.length} runs`)
  const parts: SectionParts[] = [{html: `<h3>Runs</h3>${overviewHtml(inputs, sectionId)}`, charts: []}]
  if (options.comparison) parts.push(comparisonSection(options.comparison))
  const overlaid = overlaidSpectrum(inputs)
  if (overlaid) parts.push(overlaid)
  inputs.forEach((input, i) => {
    const section = sectionFor(input, sectionId(i))
    const v = verdictOf(input.result)
    parts.push({
      html:
        `<section id="${sectionId(i)}"><h2>${esc(input.label)}<span class="kind">${esc(input.result.workload)}</span></h2>` +
        `<div class="verdict banner ${v.status}">${esc(v.text)}</div>\n${section.html}\n${runInfoHtml(input.result)}</section>`,
      charts: section.charts,
    })
  })
  const charts: ChartSpec[] = parts.flatMap((p) => p.charts)
  return page(title, parts.map((p) => p.html).join('\n'), charts)
}

/** Renders first, then writes beside `path` and renames into place: a failure leaves nothing half-written. */
export function writeHtmlReport(path: string, inputs: ReportInput[], options: HtmlReportOptions = {}): void {
  writeFileAtomicSync(path, renderHtmlReport(inputs, options))
}
