import {invariant} from '../common/invariant.js'

/**
 * The AppendEntries messages sent to one follower and not yet acknowledged,
 * each remembered by the last entry index it carried (etcd-io/raft
 * tracker/inflights.go). A bounded window: a leader in replicate state stops
 * sending when it is full, so a slow follower cannot make it queue without limit.
 */
export class Inflights {
  /** Last indexes of in-flight messages, ascending. Length <= capacity. */
  private readonly lastIndexes: number[] = []

  constructor(readonly capacity: number) {}

  get count(): number {
    return this.lastIndexes.length
  }

  full(): boolean {
    return this.lastIndexes.length >= this.capacity
  }

  add(lastIndex: number): void {
    invariant(!this.full(), 'inflights: add to a full window')
    const previous = this.lastIndexes.at(-1)
    invariant(previous === undefined || lastIndex > previous, 'inflights: indexes must increase')
    this.lastIndexes.push(lastIndex)
  }

  /** The follower acknowledged everything up to `index`: those messages are no longer in flight. */
  freeLE(index: number): void {
    let freed = 0
    while (freed < this.lastIndexes.length && this.lastIndexes[freed] <= index) freed++
    this.lastIndexes.splice(0, freed)
  }

  /** Frees one slot so that one more message can go out (used when a heartbeat shows the follower alive). */
  freeFirstOne(): void {
    this.lastIndexes.shift()
  }

  reset(): void {
    this.lastIndexes.length = 0
  }
}
