import {parseBody} from '../../runtime/net/validate.js'
import type {CoordinatorNodeOptions} from './coordinator-service.js'

const SCHEMA = {
  prepareTimeoutMs: {type: 'int', optional: true, min: 1},
  maxActiveTxns: {type: 'int', optional: true, min: 1},
  checkpointAfterBytes: {type: 'int', optional: true, min: 1},
} as const

/** node.json options of the coordinator: `{participants: {name: url}, prepareTimeoutMs?, maxActiveTxns?, checkpointAfterBytes?}`. */
export function parseCoordinatorOptions(options: Record<string, unknown>): CoordinatorNodeOptions {
  const {participants, ...rest} = options
  if (participants === null || typeof participants !== 'object' || Object.keys(participants).length === 0) {
    throw new Error('txn-coordinator needs options.participants ({name: url}, at least one)')
  }
  for (const [name, url] of Object.entries(participants)) {
    if (typeof url !== 'string') throw new Error(`options.participants.${name} must be a URL string`)
  }
  return {participants: participants as Record<string, string>, ...parseBody(rest, SCHEMA, 'node.json options')}
}
