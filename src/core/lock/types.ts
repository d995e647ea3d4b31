/**
 * The lock table's inputs and outputs. Time is wall-clock milliseconds passed
 * in by the caller, because leases must be compared across a restart.
 */

export interface AcquireRequest {
  requestId: number
  name: string
  owner: string
  ttlMs: number
  waitMs: number
}

export interface RenewRequest {
  requestId: number
  name: string
  owner: string
  token: number
  ttlMs: number
}

export interface ReleaseRequest {
  requestId: number
  name: string
  owner: string
  token: number
}

/**
 * What must be durable before tokens up to `tokenLimit` are issued and before
 * any lease may expire later than `leaseHorizonMs`. After a crash the table
 * restarts above `tokenLimit` and grants nothing until `leaseHorizonMs`.
 */
export interface Reservation {
  tokenLimit: number
  leaseHorizonMs: number
}

/** `superseded`: the same owner asked again while waiting (a retry after a leader change); the later request took its place. */
export type RejectReason = 'not-holder' | 'expired' | 'already-held' | 'queue-full' | 'unavailable' | 'superseded'

/** An answer of either lock table, without the routing that each adds. */
export type LockReply =
  | {type: 'granted'; token: number; expiresAt: number; waitedMs: number}
  | {type: 'timeout'; waitedMs: number}
  | {type: 'renewed'; expiresAt: number}
  | {type: 'released'}
  | {type: 'rejected'; reason: RejectReason; message: string}

export type Rejection = Extract<LockReply, {type: 'rejected'}>

/** The single lock server's answer, routed to its request by id. */
export type Reply = LockReply & {requestId: number}

export interface LockTableOutput {
  replies: Reply[]
  /** A reservation to make durable (fsync) and then confirm with `reserved()`. */
  reserve?: Reservation
}

/** What both lock tables count. */
export interface LockStats {
  grants: number
  timeouts: number
  releases: number
  renewals: number
  leasesExpired: number
  rejections: number
}

export interface LockState {
  name: string
  holder: string | null
  token: number | null
  expiresAt: number | null
  waiting: number
}

export interface LockTableOptions {
  /** Tokens reserved per durable write; one fsync serves this many grants. */
  tokenBlock: number
  /** How far past the longest lease a horizon extension reaches. */
  horizonStepMs: number
  /** Bound on waiters per lock. */
  maxWaitersPerLock: number
}

export const defaultLockTableOptions: LockTableOptions = {
  tokenBlock: 10_000,
  horizonStepMs: 1_000,
  maxWaitersPerLock: 10_000,
}
