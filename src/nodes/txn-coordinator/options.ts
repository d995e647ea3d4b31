import {positiveOption} from '../txn-common/node-options.js'
import type {CoordinatorNodeOptions} from './coordinator-service.js'

/** node.json options of the coordinator: `{participants: {name: url}, prepareTimeoutMs?, maxActiveTxns?, checkpointAfterBytes?}`. */
export function parseCoordinatorOptions(options: Record<string, unknown>): CoordinatorNodeOptions {
  const {participants, prepareTimeoutMs, maxActiveTxns, checkpointAfterBytes} = options
  if (participants === null || typeof participants !== 'object' || Object.keys(participants).length === 0) {
    throw new Error('txn-coordinator needs options.participants ({name: url}, at least one)')
  }
  for (const [name, url] of Object.entries(participants)) {
    if (typeof url !== 'string') throw new Error(`options.participants.${name} must be a URL string`)
  }
  return {
    participants: participants as Record<string, string>,
    prepareTimeoutMs: positiveOption('prepareTimeoutMs', prepareTimeoutMs),
    maxActiveTxns: positiveOption('maxActiveTxns', maxActiveTxns),
    checkpointAfterBytes: positiveOption('checkpointAfterBytes', checkpointAfterBytes),
  }
}
