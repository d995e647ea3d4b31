/**
 * The latency statistics a comparison reads from a bench result, by name:
 * `p50` … `p99.9`, `max`, `mean` from the result's summaries, and any other
 * percentile (`p99.99`) from its `hdrHistograms`. A name may carry an
 * operation type or histogram: `read.p99`. The same names as `--threshold`
 * (which spells p99.9 `p999`; both are accepted here).
 */
import * as hdr from 'hdr-histogram-js'

import {UsageError} from '../core/common/usage-error.js'

/** The statistics every bench summary has (LatencySummary), by the name a person types. */
export const SUMMARY_STATS = ['p50', 'p90', 'p99', 'p99.9', 'max', 'mean'] as const

/** The LatencySummary field of each summary statistic. */
const SUMMARY_FIELD: Record<(typeof SUMMARY_STATS)[number], string> = {p50: 'p50', p90: 'p90', p99: 'p99', 'p99.9': 'p999', max: 'max', mean: 'mean'}

/** The fields of a LatencySummary (src/core/stats/histogram.ts). */
export const SUMMARY_FIELDS = Object.values(SUMMARY_FIELD)

export interface StatName {
  /** An operation type or histogram (`read`, `acquire`); null for the whole run. */
  group: string | null
  /** Canonical: `p99.9`, `p99.99`, `max`, `mean`. */
  stat: string
}

const NAME = /^(?:(.+)\.)?(p\d+(?:\.\d+)?|max|mean)$/

/** Parses `p99`, `read.p99.9`, `p999`, `max`; null when the name is not a latency statistic. */
export function parseStatName(name: string): StatName | null {
  const match = NAME.exec(name.trim())
  if (!match) return null
  const [, group, raw] = match
  const stat = raw === 'p999' ? 'p99.9' : raw
  if (stat.startsWith('p')) {
    const q = Number(stat.slice(1))
    if (!(q > 0 && q <= 100)) return null
  }
  return {group: group ?? null, stat}
}

export const statName = (s: StatName): string => (s.group === null ? s.stat : `${s.group}.${s.stat}`)

export const isSummaryStat = (stat: string): stat is (typeof SUMMARY_STATS)[number] => (SUMMARY_STATS as readonly string[]).includes(stat)

/** The words a usage error lists as the valid names. */
export const STAT_NAME_HELP = `${SUMMARY_STATS.join(', ')}, any pNN.NN when the results carry hdrHistograms, each optionally as TYPE.STAT (e.g. read.p99)`

/** Parses a name a person typed, or throws a usage error listing the valid ones. */
export function requireStatName(name: string, what: string): StatName {
  const parsed = parseStatName(name)
  if (!parsed) throw new UsageError(`${what}: "${name}" is not a latency percentile; use ${STAT_NAME_HELP}`)
  return parsed
}

/** Decodes a result's compressed base64 histogram (microseconds), naming the result and key when it is not one. */
export function decodeHdr(encoded: unknown, where: string): hdr.Histogram {
  if (typeof encoded !== 'string') throw new UsageError(`${where} is not an HdrHistogram encoding (compressed base64)`)
  try {
    return hdr.decodeFromCompressedBase64(encoded)
  } catch (error) {
    throw new UsageError(`${where} is not an HdrHistogram encoding (compressed base64): ${error instanceof Error ? error.message : String(error)}`)
  }
}

/**
 * A percentile in milliseconds from a histogram of microseconds. The encoding
 * keeps buckets, whose top can be above every recorded value; the summary's
 * exact maximum bounds it, as src/core/stats/histogram.ts summarize does.
 */
export function percentileMs(h: hdr.Histogram, stat: string, exactMaxMs: number): number {
  const micros = h.getValueAtPercentile(Number(stat.slice(1)))
  return Math.min(Math.round(micros) / 1000, exactMaxMs)
}

/** The summary statistic from a LatencySummary-shaped object. */
export const summaryValue = (summary: Record<string, number>, stat: (typeof SUMMARY_STATS)[number]): number => summary[SUMMARY_FIELD[stat]]
