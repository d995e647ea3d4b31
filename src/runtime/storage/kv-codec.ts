import {unreachable} from '../../core/common/invariant.js'

/** One change to a KvStore; a batch of them is written as one WAL record. */
export type KvOp = {type: 'put'; key: string; value: string} | {type: 'delete'; key: string}

/** A WAL record's payload: JSON `[["p", key, value], ["d", key], ...]`. */
export function encodeKvBatch(ops: readonly KvOp[]): string {
  return JSON.stringify(
    ops.map((op) => {
      switch (op.type) {
        case 'put':
          return ['p', op.key, op.value]
        case 'delete':
          return ['d', op.key]
        default:
          return unreachable(op)
      }
    }),
  )
}

/** The ops of a record written by encodeKvBatch, or undefined when it is not one. */
export function decodeKvBatch(payload: Buffer): KvOp[] | undefined {
  const parsed = parseJson(payload)
  if (!Array.isArray(parsed)) return undefined
  const ops: KvOp[] = []
  for (const item of parsed as unknown[]) {
    if (isStrings(item, 3) && item[0] === 'p') ops.push({type: 'put', key: item[1], value: item[2]})
    else if (isStrings(item, 2) && item[0] === 'd') ops.push({type: 'delete', key: item[1]})
    else return undefined
  }
  return ops
}

export function applyKvOps(map: Map<string, string>, ops: readonly KvOp[]): void {
  for (const op of ops) {
    switch (op.type) {
      case 'put':
        map.set(op.key, op.value)
        break
      case 'delete':
        map.delete(op.key)
        break
      default:
        unreachable(op)
    }
  }
}

/** A snapshot's data: JSON `[[key, value], ...]`. */
export function encodeKvSnapshot(map: ReadonlyMap<string, string>): string {
  return JSON.stringify([...map])
}

/** The map in a snapshot written by encodeKvSnapshot, or undefined when it is not one. */
export function decodeKvSnapshot(data: Buffer): Map<string, string> | undefined {
  const parsed = parseJson(data)
  if (!Array.isArray(parsed)) return undefined
  const map = new Map<string, string>()
  for (const entry of parsed as unknown[]) {
    if (!isStrings(entry, 2)) return undefined
    map.set(entry[0], entry[1])
  }
  return map
}

function parseJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8'))
  } catch {
    return undefined
  }
}

/** An array of exactly `length` strings. */
function isStrings(item: unknown, length: number): item is string[] {
  return Array.isArray(item) && item.length === length && item.every((part) => typeof part === 'string')
}
