/**
 * Fault periods from a check's fault events, and bench events as periods: the
 * spans a timeline chart shades. The nemesis records a start (kill -9, pause,
 * partition, client-pause) and, on the same node, its end (restart, resume,
 * heal, client-resume).
 */

import type {PeriodKind} from './palette.js'

export interface FaultEvent {
  atS: number
  action: string
  node: string
}

export interface FaultPeriod {
  fromS: number
  /** When it ended, or the end of the run when it never did (`open`). */
  toS: number
  open: boolean
  /** The starting action as recorded ("kill -9", "pause", "partition") and the one that ended it. */
  action: string
  endAction: string | null
  node: string
  kind: PeriodKind
}

const ENDS: Array<{start: RegExp; end: string; kind: FaultPeriod['kind']}> = [
  {start: /^kill/, end: 'restart', kind: 'kill'},
  {start: /^pause$/, end: 'resume', kind: 'pause'},
  // check lock's client pause: a client stands still, as a paused server does.
  {start: /^client-pause$/, end: 'client-resume', kind: 'pause'},
  {start: /^partition$/, end: 'heal', kind: 'partition'},
]

/**
 * Pairs each start with the next matching end on its node, in time order. A
 * start never ended lasts until `endS` (open); an end with no start before it
 * (the record began mid-fault) starts at 0; other actions become instants.
 */
export function pairFaultPeriods(faults: readonly FaultEvent[], endS: number): FaultPeriod[] {
  const periods: FaultPeriod[] = []
  const openByNode = new Map<string, FaultPeriod[]>()
  for (const f of [...faults].sort((a, b) => a.atS - b.atS)) {
    const starts = ENDS.find((e) => e.start.test(f.action))
    if (starts) {
      const period: FaultPeriod = {fromS: f.atS, toS: endS, open: true, action: f.action, endAction: null, node: f.node, kind: starts.kind}
      periods.push(period)
      openByNode.set(f.node, [...(openByNode.get(f.node) ?? []), period])
      continue
    }
    const ends = ENDS.find((e) => e.end === f.action)
    const pending = openByNode.get(f.node) ?? []
    const match = ends ? pending.find((p) => p.kind === ends.kind) : undefined
    if (match) {
      Object.assign(match, {toS: f.atS, open: false, endAction: f.action})
      openByNode.set(f.node, pending.filter((p) => p !== match))
    } else {
      periods.push(
        ends
          ? {fromS: 0, toS: f.atS, open: false, action: ends.kind, endAction: f.action, node: f.node, kind: ends.kind}
          : {fromS: f.atS, toS: f.atS, open: false, action: f.action, endAction: null, node: f.node, kind: 'other'},
      )
    }
  }
  return periods.sort((a, b) => a.fromS - b.fromS)
}

/** "kill -9 raft-3 → restart": a period's label. */
export function periodLabel(p: FaultPeriod): string {
  return `${p.action} ${p.node}${p.endAction ? ` → ${p.endAction}` : p.open ? ' (not ended)' : ''}`
}

/** A bench event (ring add-node, txn coordinator crash): when it ran, how long it took, what it names. */
export interface EventPeriod {
  fromS: number
  toS: number
  label: string
  kind: PeriodKind
}

/** Bench `events` as periods: from `atS` for `tookS`, named by their `name` and the node they acted on. */
export function eventPeriods(events: ReadonlyArray<Record<string, unknown>>): EventPeriod[] {
  return events
    .filter((e) => typeof e.atS === 'number')
    .map((e) => {
      const name = String(e.name ?? 'event')
      const node = [e.shard, e.killed, e.node].find((v) => typeof v === 'string')
      const fromS = e.atS as number
      return {
        fromS,
        toS: fromS + (typeof e.tookS === 'number' ? e.tookS : 0),
        label: node ? `${name} ${node}` : name,
        kind: /kill|crash/.test(name) ? 'kill' : /add|remove|node/.test(name) ? 'membership' : 'other',
      }
    })
}
