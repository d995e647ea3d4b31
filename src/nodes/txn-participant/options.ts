import type {ParticipantNodeOptions} from './participant-service.js'

/** node.json options of a participant: `{coordinator: url, queryAfterMs?}` (src/runtime/cluster/subsystems.ts). */
export function parseParticipantOptions(options: Record<string, unknown>): ParticipantNodeOptions {
  const {coordinator, queryAfterMs} = options
  if (typeof coordinator !== 'string' || coordinator.length === 0) throw new Error('txn-participant needs options.coordinator (the coordinator URL)')
  if (queryAfterMs !== undefined && (typeof queryAfterMs !== 'number' || !(queryAfterMs > 0))) throw new Error('options.queryAfterMs must be a positive number')
  return {coordinator, queryAfterMs}
}
