import {percent} from '../core/ring/index.js'
import type {MigrationReport} from '../core/ring-live/migration-report.js'

/** The live migration next to the offline prediction, as rows for a table. */
export function migrationRows(report: MigrationReport): Array<[string, string | number]> {
  const prediction = report.prediction
  return [
    ['change', `${report.change.type} ${report.change.name}: ${report.before.length} → ${report.after.length} shards`],
    ['keys (live key set)', report.keys],
    ['keys moved (live)', report.moved],
    ['keys moved (offline prediction)', prediction?.moved ?? '-'],
    ['agree', report.agrees === null ? '-' : report.agrees ? 'yes' : 'NO'],
    ['  copied by the migrator', report.copied],
    ['  moved by client writes', report.movedByClients],
    ['moved fraction / ideal', prediction ? `${percent(prediction.movedFraction)} / ${percent(prediction.idealFraction)}` : '-'],
    ['moved between survivors', prediction?.movedBetweenSurvivors ?? '-'],
    ['bytes copied', report.bytesCopied],
    ['migration time', report.migrationMs === null ? '-' : `${report.migrationMs.toFixed(0)} ms`],
  ]
}
