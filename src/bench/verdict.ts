import type {LoadReport} from './report.js'

/** An open-loop run that sent less of its schedule than this measured a lighter load than was asked for. */
export const MIN_ISSUED_FRACTION = 0.95

export interface VerdictOptions {
  /** Errors over all measured operations above which the run fails. */
  maxErrorRate: number
  /** The user accepts an open-loop run that fell behind its schedule. */
  allowBehindSchedule: boolean
}

const percent = (x: number): string => `${+(100 * x).toFixed(2)}%`

/** The most common error kind, with the first message seen for it. */
function mostCommonError(report: LoadReport): string {
  const [kind, n] = Object.entries(report.errorsByKind).sort(([, a], [, b]) => b - a)[0] ?? []
  if (kind === undefined) return ''
  const sample = (report.errorSamples[kind] ?? '').split('\n')[0].slice(0, 200)
  return `; most often ${kind} (${n.toLocaleString('en-US')})${sample && sample !== kind ? `: ${sample}` : ''}`
}

/**
 * Why a finished run failed, one line each (empty: it passed). A run whose
 * every operation failed, or too many did, measured the errors and not the
 * target; an open-loop run that fell behind measured a lighter load.
 */
export function runFailures(report: LoadReport, opts: VerdictOptions): string[] {
  const failures: string[] = []
  const attempts = report.ops + report.errors
  if (report.ops === 0) {
    failures.push(attempts === 0 ? 'no operation completed in the measured window' : `no operation succeeded: ${attempts.toLocaleString('en-US')} failed${mostCommonError(report)}`)
  } else if (report.errors / attempts > opts.maxErrorRate) {
    failures.push(`error rate ${percent(report.errors / attempts)} is above --max-error-rate ${percent(opts.maxErrorRate)}${mostCommonError(report)}`)
  }
  const s = report.schedule
  if (s && !opts.allowBehindSchedule && s.scheduled > 0 && s.issued < MIN_ISSUED_FRACTION * s.scheduled) {
    const sent = `sent ${s.issued.toLocaleString('en-US')} of ${s.scheduled.toLocaleString('en-US')} scheduled operations (${percent(s.issued / s.scheduled)}), ${s.achievedRate.toFixed(0)} of ${s.requestedRate} ops/s`
    const why =
      s.clientsNeeded > report.clients
        ? `at ${report.uncorrectedLatencyMs?.mean.toFixed(2)} ms mean latency the schedule needs about ${s.clientsNeeded} clients (Little's law: rate × latency), this run had ${report.clients}; raise --clients or lower --rate`
        : `${report.clients} clients were enough by Little's law (${s.clientsNeeded} needed), so the target or the driver could not keep up; lower --rate or add --threads`
    failures.push(`${sent}: ${why}, or accept it with --allow-behind-schedule`)
  }
  return failures
}
