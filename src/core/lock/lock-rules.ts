import type {Rejection} from './types.js'

/** The current holder of a lock: its lease is valid while the table's time is before `expiresAt`. */
export interface Holder {
  owner: string
  token: number
  expiresAt: number
}

/**
 * Where a renew or release by (owner, token) stands against the holder at
 * `nowMs`: 'holds' when it names the live lease, 'expired' when it names the
 * holder's ended lease, 'not-holder' otherwise. Both lock tables decide by it.
 */
export function standing(holder: Holder | undefined, owner: string, token: number, nowMs: number): 'holds' | 'expired' | 'not-holder' {
  if (!holder || holder.owner !== owner || holder.token !== token) return 'not-holder'
  return holder.expiresAt > nowMs ? 'holds' : 'expired'
}

/** The rejections both lock tables give, with the messages clients see. */
export const rejections = {
  alreadyHeld: (name: string, holder: Holder): Rejection => ({
    type: 'rejected',
    reason: 'already-held',
    message: `lock "${name}" is already held by owner "${holder.owner}" (token ${holder.token}); renew or release it`,
  }),
  queueFull: (name: string, waiters: number): Rejection => ({type: 'rejected', reason: 'queue-full', message: `lock "${name}" has ${waiters} waiters, the limit`}),
  notHolder: (name: string, owner: string, token: number): Rejection => ({
    type: 'rejected',
    reason: 'not-holder',
    message: `owner "${owner}" with token ${token} does not hold "${name}"`,
  }),
  superseded: (name: string, owner: string): Rejection => ({
    type: 'rejected',
    reason: 'superseded',
    message: `owner "${owner}" asked for "${name}" again while waiting; the later request waits in this one's place`,
  }),
  expired: (name: string, token: number): Rejection => ({type: 'rejected', reason: 'expired', message: `the lease of token ${token} on "${name}" expired`}),
}
