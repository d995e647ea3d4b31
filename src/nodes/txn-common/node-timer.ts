/**
 * One timer per node for its core's next deadline (`nextWakeMs`), re-armed
 * after every input; it only ever moves earlier until it fires.
 */
export class NodeTimer {
  private timer: NodeJS.Timeout | undefined
  private atMs = Infinity

  constructor(private readonly fire: () => void) {}

  arm(nextMs: number | undefined, nowMs: number): void {
    if (nextMs === undefined || nextMs >= this.atMs) return
    clearTimeout(this.timer)
    this.atMs = nextMs
    this.timer = setTimeout(() => {
      this.atMs = Infinity
      this.timer = undefined
      this.fire()
    }, Math.max(0, nextMs - nowMs))
  }

  stop(): void {
    clearTimeout(this.timer)
    this.atMs = Infinity
  }
}
