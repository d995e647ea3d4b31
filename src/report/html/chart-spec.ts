/**
 * What the page's script draws, as JSON: every chart of a report is one of
 * these, built in Node by pure functions and embedded in the page, so the
 * browser side only maps specs to uPlot options.
 */

/** An axis title says what it measures and in which unit, e.g. "latency (ms)". */
export interface AxisSpec {
  label: string
  /** Logarithmic (uPlot distr 3): values must be > 0 or null. */
  log?: boolean
}

/** A shaded span of the x axis, labelled: warmup, a fault period, a membership change. */
export interface BandSpec {
  from: number
  to: number
  label: string
  color: string
  /** It had not ended when the run did. */
  open?: boolean
}

export interface LineSeries {
  label: string
  color: string
  values: Array<number | null>
}

/** Lines over a shared numeric x (time, or a percentile spectrum's log 1/(1−q)). */
export interface XYChart {
  type: 'xy'
  id: string
  title: string
  x: number[]
  /** The x axis's extent, when it is not the data's (a timeline starts at 0 s). */
  xRange?: [number, number]
  xAxis: AxisSpec
  /** Fixed x ticks with their labels (a spectrum's 90%, 99%…), instead of uPlot's own. */
  xTicks?: Array<{value: number; label: string}>
  yAxis: AxisSpec
  series: LineSeries[]
  bands: BandSpec[]
}

/** Grouped bars, one group per category. */
export interface BarChart {
  type: 'bars'
  id: string
  title: string
  categories: string[]
  xAxis: AxisSpec
  yAxis: AxisSpec
  series: Array<{label: string; color: string; values: Array<number | null>}>
  /** A dashed horizontal line, e.g. the ideal 1.0 of a ratio; the title says what it is. */
  reference?: number
}

/** One bar drawn in a lane from `start` to `end` (null: never ended, drawn to the axis end). */
export interface LaneBar {
  lane: number
  start: number
  end: number | null
  label: string
  color: string
  marked?: boolean
}

/** Lanes on a time axis: operations per process (Porcupine/Knossos style), or fault periods per node. */
export interface LanesChart {
  type: 'lanes'
  id: string
  title: string
  lanes: string[]
  xAxis: AxisSpec
  laneAxis: AxisSpec
  xMin: number
  xMax: number
  bars: LaneBar[]
  /** Colour key under the chart. */
  key: Array<{label: string; color: string}>
}

export type ChartSpec = XYChart | BarChart | LanesChart

/** What a section contributes to the page: its HTML (with a placeholder per chart) and the charts' specs. */
export interface SectionParts {
  html: string
  charts: ChartSpec[]
}

/** Where a chart is drawn: the page script finds it by id. Lanes take the whole width: their time axis needs it. */
export function chartSlot(spec: ChartSpec): string {
  return `<figure class="chart${spec.type === 'lanes' ? ' wide' : ''}" id="${spec.id}"></figure>`
}
