/** Request limits of the lock server, named in the README. */
export const LOCK_LIMITS = {nameLength: 256, ownerLength: 256, ttlMsMax: 600_000, waitMsMax: 600_000, bodyBytes: 4096}
