import {parseBody} from '../../runtime/net/validate.js'
import type {ParticipantNodeOptions} from './participant-service.js'

const SCHEMA = {
  queryAfterMs: {type: 'int', optional: true, min: 1},
  checkpointAfterBytes: {type: 'int', optional: true, min: 1},
} as const

/** node.json options of a participant: `{coordinator: url, queryAfterMs?, checkpointAfterBytes?}` (src/runtime/cluster/subsystems.ts). */
export function parseParticipantOptions(options: Record<string, unknown>): ParticipantNodeOptions {
  const {coordinator, ...rest} = options
  if (typeof coordinator !== 'string' || coordinator.length === 0) throw new Error('txn-participant needs options.coordinator (the coordinator URL)')
  return {coordinator, ...parseBody(rest, SCHEMA, 'node.json options')}
}
