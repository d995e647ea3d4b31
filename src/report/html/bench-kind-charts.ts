/** Charts only some workloads have: ring per-shard load, txn outcomes and phases, lock fairness, named sub-latencies. */

import type {BarChart, ChartSpec} from './chart-spec.js'
import {arr, num, obj} from './format.js'
import {seriesColor} from './palette.js'

/** Each shard's share of the requests and of the keys, in percent: the two are comparable only as shares. */
function shardLoadChart(idPrefix: string, r: Record<string, unknown>): BarChart[] {
  const shards = Object.entries(obj(obj(r.shardLoad)?.shards) ?? {}).map(([name, v]) => ({name, requests: Number(obj(v)?.requests ?? 0), keys: Number(obj(v)?.keys ?? 0)}))
  if (shards.length === 0) return []
  const share = (pick: (s: (typeof shards)[number]) => number) => {
    const total = shards.reduce((a, s) => a + pick(s), 0)
    return shards.map((s) => (total > 0 ? (100 * pick(s)) / total : 0))
  }
  return [
    {
      type: 'bars',
      id: `${idPrefix}-shards`,
      title: `Load per shard: share of requests and of keys (dashed: an even share, ${num(100 / shards.length, 1)}%)`,
      categories: shards.map((s) => s.name),
      xAxis: {label: 'shard'},
      yAxis: {label: 'share (%)'},
      series: [
        {label: 'requests (%)', color: seriesColor(0), values: share((s) => s.requests)},
        {label: 'keys owned (%)', color: seriesColor(1), values: share((s) => s.keys)},
      ],
      reference: 100 / shards.length,
    },
  ]
}

/** Committed against aborted by reason (txn), from the operation counts and the "aborted: reason" counters. */
function txnOutcomeChart(idPrefix: string, r: Record<string, unknown>): BarChart[] {
  if (r.workload !== 'txn') return []
  const ops = obj(r.operations) ?? {}
  const reasons = Object.entries(obj(r.counters) ?? {}).filter(([k]) => k.startsWith('aborted: '))
  const rows: Array<[string, number]> = [['committed', Number(obj(ops.commit)?.ops ?? 0)]]
  if (reasons.length > 0) rows.push(...reasons.map(([k, v]): [string, number] => [k, Number(v)]))
  else rows.push(['aborted', Number(obj(ops.abort)?.ops ?? 0)])
  if (Number(r.errors) > 0) rows.push(['errors (no answer)', Number(r.errors)])
  return [
    {
      type: 'bars',
      id: `${idPrefix}-outcomes`,
      title: 'Transactions by outcome (measured window)',
      categories: rows.map(([k]) => k),
      xAxis: {label: 'outcome'},
      yAxis: {label: 'transactions'},
      series: [{label: 'transactions', color: seriesColor(0), values: rows.map(([, v]) => v)}],
    },
  ]
}

/**
 * Named latencies, p50 and p99 side by side: the parts of an operation (lock
 * acquire, wait, release, hand-off; txn prepare and decision log, with the
 * commit phase and in-doubt time the participants report).
 */
function phaseChart(idPrefix: string, r: Record<string, unknown>): BarChart[] {
  const txn = obj(r.txn)
  const phases = Object.entries({
    ...(obj(r.histograms) ?? {}),
    ...(txn && obj(txn.commitPhaseMs) && Number(obj(txn.commitPhaseMs)?.count) > 0 ? {'commit phase': txn.commitPhaseMs} : {}),
    ...(txn && obj(txn.inDoubtMs) && Number(obj(txn.inDoubtMs)?.count) > 0 ? {'participant in doubt': txn.inDoubtMs} : {}),
  }).map(([name, v]) => ({name, s: obj(v) ?? {}}))
  if (phases.length === 0) return []
  const pick = (key: string) => phases.map((p) => (typeof p.s[key] === 'number' ? (p.s[key] as number) : null))
  return [
    {
      type: 'bars',
      id: `${idPrefix}-phases`,
      title: r.workload === 'lock' ? 'Parts of a lock cycle: latency p50 and p99' : 'Phase latencies: p50 and p99',
      categories: phases.map((p) => p.name),
      xAxis: {label: 'phase'},
      yAxis: {label: 'latency (ms)'},
      series: [
        {label: 'p50 (ms)', color: seriesColor(0), values: pick('p50')},
        {label: 'p99 (ms)', color: seriesColor(1), values: pick('p99')},
      ],
    },
  ]
}

/** Successful operations per client (lock: acquisitions), with Jain's index in the title when the run reports it. */
function fairnessChart(idPrefix: string, r: Record<string, unknown>): BarChart[] {
  const perClient = arr(r.perClientOps).map(Number)
  if (r.workload !== 'lock' || perClient.length === 0) return []
  const jain = typeof r.fairness === 'number' ? ` (Jain's fairness index ${num(r.fairness, 3)}; 1 = equal shares)` : ''
  const mean = perClient.reduce((a, b) => a + b, 0) / perClient.length
  return [
    {
      type: 'bars',
      id: `${idPrefix}-fairness`,
      title: `Acquisitions per client${jain}; dashed: the mean`,
      categories: perClient.map((_, i) => String(i)),
      xAxis: {label: 'client'},
      yAxis: {label: 'acquisitions (whole run)'},
      series: [{label: 'acquisitions', color: seriesColor(0), values: perClient}],
      reference: mean,
    },
  ]
}

export function benchKindCharts(idPrefix: string, r: Record<string, unknown>): ChartSpec[] {
  return [...shardLoadChart(idPrefix, r), ...txnOutcomeChart(idPrefix, r), ...phaseChart(idPrefix, r), ...fairnessChart(idPrefix, r)]
}
