import type {Grant, LockBackend} from '../../../src/bench/lock/lock-backend.js'
import type {LockEvent} from '../../../src/core/check/mutual-exclusion.js'

/**
 * A lock backend that writes what its clients saw as a lock history for the
 * mutual-exclusion checker: each acquire and release as an invocation and
 * its completion (`info` when the answer never came: its outcome is unknown).
 */
export class RecordingBackend implements LockBackend {
  readonly history: LockEvent[] = []

  constructor(private readonly inner: LockBackend) {}

  get target(): string {
    return this.inner.target
  }
  get fencing(): boolean {
    return this.inner.fencing
  }
  get recipe() {
    return this.inner.recipe
  }

  preflight(): Promise<void> {
    return this.inner.preflight()
  }

  async acquire(client: number, name: string, owner: string, ttlMs: number, waitMs: number): Promise<Grant | undefined> {
    this.record(client, 'invoke', 'acquire', name, null)
    try {
      const grant = await this.inner.acquire(client, name, owner, ttlMs, waitMs)
      if (grant === undefined) this.record(client, 'fail', 'acquire', name, null)
      else this.record(client, 'ok', 'acquire', name, grant.token ?? null, grant.expiresAt)
      return grant
    } catch (err) {
      this.record(client, 'info', 'acquire', name, null)
      throw err
    }
  }

  async release(client: number, name: string, owner: string, grant: Grant): Promise<boolean> {
    const token = grant.token ?? null
    this.record(client, 'invoke', 'release', name, token)
    try {
      const released = await this.inner.release(client, name, owner, grant)
      this.record(client, released ? 'ok' : 'fail', 'release', name, token)
      return released
    } catch (err) {
      this.record(client, 'info', 'release', name, token)
      throw err
    }
  }

  close(): Promise<void> {
    return this.inner.close()
  }

  /** The grants of `lock` in the order they reached their clients. */
  grants(lock?: string): LockEvent[] {
    return this.history.filter((e) => e.f === 'acquire' && e.type === 'ok' && (lock === undefined || e.lock === lock))
  }

  private record(process: number, type: LockEvent['type'], f: LockEvent['f'], lock: string, token: number | null, expiresAt?: number): void {
    this.history.push({process, type, f, lock, token, time: Date.now(), ...(expiresAt === undefined ? {} : {expiresAt})})
  }
}
