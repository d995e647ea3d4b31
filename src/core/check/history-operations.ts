/** A history's operations: each invocation paired with its process's next outcome. */

/** What every history event of an operation has (a bank history's `final` records have no process and are skipped). */
export interface OperationEvent {
  process?: number
  type: string
  f?: string
  time: number
}

export interface PairedOperation<E extends OperationEvent> {
  invoke: E
  /** Undefined when the history ended with the operation still open. */
  completion: E | undefined
  /** 1-based history line of the invocation. */
  line: number
}

/** The operations of `events` in invocation order. An outcome with no open invocation is left out (parseHistory refuses such a file). */
export function pairOperations<E extends OperationEvent>(events: readonly E[]): Array<PairedOperation<E>> {
  const ops: Array<PairedOperation<E>> = []
  const open = new Map<number, PairedOperation<E>>()
  events.forEach((event, index) => {
    if (event.process === undefined) return
    if (event.type === 'invoke') {
      const op: PairedOperation<E> = {invoke: event, completion: undefined, line: index + 1}
      ops.push(op)
      open.set(event.process, op)
      return
    }
    const op = open.get(event.process)
    if (op) op.completion = event
    open.delete(event.process)
  })
  return ops
}

/** When a history began: its first event's time, the origin of a report's times (a lock history records wall-clock ms). */
export function historyOrigin(events: readonly OperationEvent[]): number {
  return events.length > 0 ? events[0].time : 0
}

/** Seconds from a history's first event to its last. */
export function historySpanS(events: readonly OperationEvent[]): number {
  return events.length > 0 ? (events[events.length - 1].time - events[0].time) / 1000 : 0
}

export interface OutcomeCounts {
  invoked: number
  ok: number
  fail: number
  info: number
}

/** How many operations a history invoked and how they ended. */
export function outcomeCounts(events: ReadonlyArray<{type: 'invoke' | 'ok' | 'fail' | 'info'}>): OutcomeCounts {
  const counts: OutcomeCounts = {invoked: 0, ok: 0, fail: 0, info: 0}
  for (const e of events) counts[e.type === 'invoke' ? 'invoked' : e.type]++
  return counts
}
