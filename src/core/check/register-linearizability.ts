import {KvEvent, KvOperation, operations} from './kv-history.js'

export type KvCheckResult =
  | {linearizable: true; keys: number; operations: number}
  | {linearizable: false; key: string; operations: number; cannotLinearize: KvOperation; concurrent: KvOperation[]}
  | {linearizable: 'unknown'; key: string; operations: number; reason: string}

/** A register's value: null while the key is absent (every key starts absent). */
type State = string | null

interface Entry {
  op: number
  call: boolean
  time: number
  /** A call's return entry. */
  match: Entry | undefined
  prev: Entry | undefined
  next: Entry | undefined
}

/** Bound on search steps per key: past it the answer is "unknown", never a guess. */
const DEFAULT_MAX_STEPS = 5_000_000

/**
 * Checks that a KV history is linearizable, key by key (linearizability is
 * compositional): each key is a register with put, get and cas. It is the
 * Wing–Gong search with Lowe's memoization, as in Porcupine: linearize a
 * pending operation whose call comes before every pending return, back
 * track when a return is reached first, and never revisit a (set of
 * linearized operations, register value) pair. An operation with an unknown
 * outcome never returns, so it may take effect at any point after its call
 * or, taking effect last, not visibly at all.
 */
export function checkKvHistory(history: readonly KvEvent[], maxSteps = DEFAULT_MAX_STEPS): KvCheckResult {
  const byKey = new Map<string, KvOperation[]>()
  for (const op of operations(history)) {
    let ops = byKey.get(op.key)
    if (!ops) byKey.set(op.key, (ops = []))
    ops.push(op)
  }
  let total = 0
  for (const [key, ops] of byKey) {
    total += ops.length
    const result = checkRegister(key, ops, maxSteps)
    if (result) return result
  }
  return {linearizable: true, keys: byKey.size, operations: total}
}

/** Whether one key's operations are linearizable: true, false or 'unknown' (the search hit `maxSteps`). */
export function registerLinearizable(key: string, ops: KvOperation[], maxSteps = DEFAULT_MAX_STEPS): KvCheckResult['linearizable'] {
  return checkRegister(key, ops, maxSteps)?.linearizable ?? true
}

function checkRegister(key: string, ops: KvOperation[], maxSteps: number): Exclude<KvCheckResult, {linearizable: true}> | undefined {
  const head = entries(ops)
  const linearized = new Uint32Array(Math.ceil(ops.length / 32))
  const seen = new Set<string>()
  const stack: Array<{entry: Entry; state: State}> = []
  let state: State = null
  let entry = head.next
  // The report names the operation the search got stuck on when it had linearized the most.
  let deepest = -1
  let stuck = -1
  for (let steps = 0; head.next !== undefined; steps++) {
    if (steps > maxSteps) return {linearizable: 'unknown', key, operations: ops.length, reason: `gave up after ${maxSteps} search steps`}
    const e = entry!
    if (e.call) {
      const next = apply(state, ops[e.op])
      if (next !== undefined) {
        linearized[e.op >> 5] ^= 1 << (e.op & 31)
        // JSON: an absent key (null) must not meet the value "null".
        const memo = `${linearized.join(',')}|${JSON.stringify(next)}`
        if (!seen.has(memo)) {
          seen.add(memo)
          stack.push({entry: e, state})
          state = next
          lift(e)
          entry = head.next
          continue
        }
        linearized[e.op >> 5] ^= 1 << (e.op & 31)
      }
      entry = e.next
    } else {
      if (stack.length > deepest) {
        deepest = stack.length
        stuck = e.op
      }
      const top = stack.pop()
      if (!top) {
        const op = ops[stuck]
        return {linearizable: false, key, operations: ops.length, cannotLinearize: op, concurrent: ops.filter((o) => o !== op && o.start < op.end && op.start < o.end)}
      }
      state = top.state
      linearized[top.entry.op >> 5] ^= 1 << (top.entry.op & 31)
      unlift(top.entry)
      entry = top.entry.next
    }
  }
  return undefined
}

/** The register after `op`, or undefined when `op` cannot take effect in `state`. */
function apply(state: State, op: KvOperation): State | undefined {
  switch (op.f) {
    case 'put':
      return op.input as string
    case 'get':
      return op.output === state ? state : undefined
    case 'cas': {
      const [expected, value] = op.input as [string | null, string]
      if (state === expected) return value
      // A cas known to have succeeded needs its expected value; one with an unknown outcome may have failed.
      return op.end === Infinity ? state : undefined
    }
  }
}

/** Calls and returns in time order (a call before a return at the same time: they overlap), as a list with a sentinel head. */
function entries(ops: KvOperation[]): Entry {
  const all: Entry[] = []
  ops.forEach((op, i) => {
    const ret: Entry = {op: i, call: false, time: op.end, match: undefined, prev: undefined, next: undefined}
    all.push({op: i, call: true, time: op.start, match: ret, prev: undefined, next: undefined}, ret)
  })
  all.sort((a, b) => a.time - b.time || Number(b.call) - Number(a.call))
  const head: Entry = {op: -1, call: false, time: -Infinity, match: undefined, prev: undefined, next: undefined}
  let last = head
  for (const e of all) {
    last.next = e
    e.prev = last
    last = e
  }
  return head
}

/** Takes a call and its return out of the list. */
function lift(call: Entry): void {
  for (const e of [call, call.match!]) {
    e.prev!.next = e.next
    if (e.next) e.next.prev = e.prev
  }
}

/** Puts them back, in reverse order of lift. */
function unlift(call: Entry): void {
  for (const e of [call.match!, call]) {
    e.prev!.next = e
    if (e.next) e.next.prev = e
  }
}
