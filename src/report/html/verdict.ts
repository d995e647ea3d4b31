/** The verdict of any result kind, for the overview and each section's banner. */

import {arr, obj} from './format.js'

export type Verdict = {status: 'pass' | 'fail' | 'unknown' | 'info'; text: string}

export function verdictOf(result: Record<string, unknown>): Verdict {
  const workload = String(result.workload)
  if (workload === 'ring-churn') return {status: 'info', text: 'statistics'}
  if (workload === 'hdr-log') return {status: 'info', text: 'interval log'}
  if (workload === 'check-kv') {
    const linearizable = obj(result.result)?.linearizable
    if (linearizable === true) return {status: 'pass', text: 'linearizable'}
    if (linearizable === false) return {status: 'fail', text: 'NOT linearizable'}
    return {status: 'unknown', text: 'undecided'}
  }
  if (workload === 'check-lock') {
    const violations = arr(obj(result.result)?.violations)
    return violations.length === 0 ? {status: 'pass', text: 'mutual exclusion held'} : {status: 'fail', text: `${violations.length} violation(s)`}
  }
  if (workload === 'check-txn') {
    const problems = arr(result.problems)
    return problems.length === 0 ? {status: 'pass', text: 'atomic commit held'} : {status: 'fail', text: `${problems.length} problem(s)`}
  }
  const failures = arr(result.failures)
  return failures.length === 0 ? {status: 'pass', text: 'passed'} : {status: 'fail', text: 'failed'}
}
