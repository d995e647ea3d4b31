/**
 * Colours. Series use the Okabe–Ito qualitative palette (without its yellow,
 * too pale on white): distinct for the common colour-vision deficiencies.
 * Bands (warmup, faults, membership changes) are translucent so the lines over
 * them stay readable.
 */
const SERIES_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#7F7F7F']

export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length]
}

/** Solid colours of period kinds, for a fault's bar in the fault timeline. */
export const PERIOD_COLORS = {
  warmup: '#808080',
  kill: '#D55E00',
  pause: '#E69F00',
  partition: '#CC79A7',
  membership: '#0072B2',
  other: '#56B4E9',
} as const

export type PeriodKind = keyof typeof PERIOD_COLORS

/** The same colours, translucent, to shade a period behind a chart's lines. */
export const BAND_COLORS = Object.fromEntries(
  Object.entries(PERIOD_COLORS).map(([kind, hex]) => [kind, `rgba(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(',')},0.16)`]),
) as Record<PeriodKind, string>

/** Operation outcomes in an anomaly's lanes; the offending ones are red whatever their outcome. */
export const OUTCOME_COLORS = {ok: '#009E73', fail: '#7F7F7F', info: '#E69F00', marked: '#D7191C'} as const
