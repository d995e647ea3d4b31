/** How long a lock may stay free before the wait queued on it times out: two reservation writes (one in flight, one of its own). */
const FREE_LOCK_WAIT_SLACK_MS = 50

/**
 * What the lock server promised, by its own answers, across every restart:
 * the checker's truth is the leases as clients were told (granted, renewed,
 * released), kept when the server crashes and forgets them.
 *
 * - mutual exclusion: no grant on a lock while another lease on it runs;
 * - fencing: tokens strictly increase per lock, in grant order, across restarts;
 * - leases are honoured: a renewal or release answered "not the holder" or
 *   "expired" by the server that granted the lease, while it still runs, is a
 *   lease taken back early (a restarted server may refuse it: it forgot it,
 *   and grants the lock to no one until it would have ended);
 * - a wait on a free lock ends in a grant: a wait times out only while the
 *   lock is held, or within two reservation writes of the lock's freeing,
 *   or while the restarted server that queued it waits out the old leases.
 *
 * Answers of one instant are judged together, releases before grants,
 * timeouts last: a release frees the lock at the instant of the grant it
 * enables.
 */
export class LeaseChecker {
  readonly violations: string[] = []
  private readonly leases = new Map<string, Lease[]>()
  private readonly maxToken = new Map<string, number>()
  /** When the last lease on each lock ended, as far as the answers judged so far tell. */
  private readonly freedAtMs = new Map<string, number>()
  private instant: Answer[] = []

  constructor(private readonly label: (nowMs: number) => string) {}

  /** Records an answer the server gave at `a.atMs`; `flush` judges an instant's answers once all are in. */
  answer(a: Answer): void {
    this.instant.push(a)
  }

  flush(): void {
    const answers = this.instant
    this.instant = []
    const rank = (a: Answer) => (a.type === 'granted' ? 1 : a.type === 'timeout' ? 2 : 0)
    // A stable sort: each kind in the order given.
    for (const a of answers.sort((x, y) => rank(x) - rank(y))) this.judge(a)
  }

  private judge(a: Answer): void {
    const live: Lease[] = []
    for (const l of this.leases.get(a.lock) ?? []) {
      if (l.endMs > a.atMs) live.push(l)
      else this.freedAtMs.set(a.lock, Math.max(this.freedAtMs.get(a.lock) ?? -Infinity, l.endMs))
    }
    this.leases.set(a.lock, live)
    if (a.type === 'timeout') {
      const freeFromMs = Math.max(this.freedAtMs.get(a.lock) ?? -Infinity, a.atMs - a.waitedMs, a.recoveringUntilMs)
      if (live.length === 0 && a.atMs - freeFromMs > FREE_LOCK_WAIT_SLACK_MS) {
        this.fail(a.atMs, `${a.owner} timed out after waiting ${a.waitedMs.toFixed(2)} ms for ${a.lock}, free (by the server's answers) since ${this.label(freeFromMs)}`)
      }
      return
    }
    const lease = live.find((l) => l.token === a.token)
    switch (a.type) {
      case 'granted': {
        const holder = live[0]
        if (holder) this.fail(a.atMs, `${a.owner} granted ${a.lock} (token ${a.token}) while ${holder.owner} holds it (token ${holder.token}) until ${this.label(holder.endMs)}`)
        const max = this.maxToken.get(a.lock) ?? 0
        if (a.token <= max) this.fail(a.atMs, `token ${a.token} granted on ${a.lock} after token ${max}`)
        this.maxToken.set(a.lock, Math.max(max, a.token))
        live.push({owner: a.owner, token: a.token, endMs: a.expiresAt, incarnation: a.incarnation})
        break
      }
      case 'renewed':
        if (!lease) this.fail(a.atMs, `${a.owner} renewed ${a.lock} token ${a.token}, a lease that had ended`)
        else lease.endMs = Math.max(lease.endMs, a.expiresAt)
        break
      case 'released':
        if (!lease) this.fail(a.atMs, `${a.owner} released ${a.lock} token ${a.token}, a lease that had ended`)
        else lease.endMs = a.atMs
        break
      case 'refused':
        if (lease && lease.incarnation === a.incarnation) this.fail(a.atMs, `the server that granted ${a.lock} token ${a.token} to ${a.owner} refused it (${a.reason}) while its lease runs until ${this.label(lease.endMs)}`)
        break
    }
  }

  private fail(atMs: number, message: string): void {
    this.violations.push(`at ${this.label(atMs)}: ${message}`)
  }
}

interface Lease {
  owner: string
  token: number
  /** When the lease ends: its expiry as last told to the client, or the instant of its release. */
  endMs: number
  /** Which run of the server granted it. */
  incarnation: number
}

/**
 * One answer of the server about one lease (a grant, a renewal, a release, or
 * a refusal of a renewal or release), or the end of a wait without a grant,
 * with when the server that queued it began to grant (its recovery's end).
 */
export type LeaseAnswer = {lock: string; owner: string} & (
  | {type: 'granted' | 'renewed'; token: number; expiresAt: number}
  | {type: 'released'; token: number}
  | {type: 'refused'; token: number; reason: string}
  | {type: 'timeout'; waitedMs: number; recoveringUntilMs: number}
)

/** An answer, when and by which run of the server it was given. */
export type Answer = LeaseAnswer & {atMs: number; incarnation: number}
