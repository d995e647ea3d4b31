/** The part of redlock 4.2.0 (which ships no types) that RedlockBackend uses. */
declare module 'redlock' {
  import {EventEmitter} from 'node:events'

  import type {Redis} from 'ioredis'

  namespace Redlock {
    interface Options {
      driftFactor?: number
      retryCount?: number
      retryDelay?: number
      retryJitter?: number
    }
    interface Lock {
      resource: string
      value: string
      /** Wall-clock ms: the attempt's start + ttl - drift, the end of the lock's validity as the client sees it. */
      expiration: number
    }
  }

  class Redlock extends EventEmitter {
    constructor(clients: Redis[], options?: Redlock.Options)
    lock(resource: string, ttlMs: number): Promise<Redlock.Lock>
    unlock(lock: Redlock.Lock): Promise<void>
    static LockError: new (...args: unknown[]) => Error
  }

  export = Redlock
}
