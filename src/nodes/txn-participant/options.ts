import type {ParticipantNodeOptions} from './participant-service.js'

import {positiveOption} from '../txn-common/node-options.js'

/** node.json options of a participant: `{coordinator: url, queryAfterMs?, checkpointAfterBytes?}` (src/runtime/cluster/subsystems.ts). */
export function parseParticipantOptions(options: Record<string, unknown>): ParticipantNodeOptions {
  const {coordinator, queryAfterMs, checkpointAfterBytes} = options
  if (typeof coordinator !== 'string' || coordinator.length === 0) throw new Error('txn-participant needs options.coordinator (the coordinator URL)')
  return {coordinator, queryAfterMs: positiveOption('queryAfterMs', queryAfterMs), checkpointAfterBytes: positiveOption('checkpointAfterBytes', checkpointAfterBytes)}
}
