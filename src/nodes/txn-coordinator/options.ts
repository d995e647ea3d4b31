import type {CoordinatorNodeOptions} from './coordinator-service.js'

/** node.json options of the coordinator: `{participants: {name: url}, prepareTimeoutMs?, maxActiveTxns?}`. */
export function parseCoordinatorOptions(options: Record<string, unknown>): CoordinatorNodeOptions {
  const {participants, prepareTimeoutMs, maxActiveTxns} = options
  if (participants === null || typeof participants !== 'object' || Object.keys(participants).length === 0) {
    throw new Error('txn-coordinator needs options.participants ({name: url}, at least one)')
  }
  for (const [name, url] of Object.entries(participants)) {
    if (typeof url !== 'string') throw new Error(`options.participants.${name} must be a URL string`)
  }
  const positive = (name: string, v: unknown): number | undefined => {
    if (v !== undefined && (typeof v !== 'number' || !(v > 0))) throw new Error(`options.${name} must be a positive number`)
    return v as number | undefined
  }
  return {participants: participants as Record<string, string>, prepareTimeoutMs: positive('prepareTimeoutMs', prepareTimeoutMs), maxActiveTxns: positive('maxActiveTxns', maxActiveTxns)}
}
