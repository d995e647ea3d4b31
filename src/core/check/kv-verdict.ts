import {OutcomeCounts, outcomeCounts} from './history-operations.js'
import {KvEvent} from './kv-history.js'
import {explainKvKey, kvAnomaly} from './kv-explanation.js'
import {checkKvHistory, KvCheckResult} from './register-linearizability.js'
import {CheckTimelinePoint, historyTimeline} from './timeline.js'

/** What a KV history says, the same for a live check and a re-check of its file. */
export interface KvVerdict {
  operations: OutcomeCounts
  checkMs: number
  result: KvCheckResult
  /** When it is not linearizable: the shortest failing prefix and the operation that cannot be placed (kv-explanation.ts). */
  anomaly?: ReturnType<typeof kvAnomaly>
  timeline: CheckTimelinePoint[]
}

/**
 * Checks `history` for linearizability and, when it is not, explains why in
 * the fewest operations; `now` (ms) times the check itself.
 */
export function judgeKvHistory(history: readonly KvEvent[], now: () => number): KvVerdict {
  const started = now()
  const result = checkKvHistory(history)
  const explanation = result.linearizable === false ? explainKvKey(history, result.key) : undefined
  return {
    operations: outcomeCounts(history),
    checkMs: now() - started,
    result,
    ...(explanation ? {anomaly: kvAnomaly(history, explanation)} : {}),
    timeline: historyTimeline(history),
  }
}
