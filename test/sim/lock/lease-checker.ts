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
 *   and grants the lock to no one until it would have ended).
 *
 * Answers of one instant are judged together, releases before grants: a
 * release frees the lock at the instant of the grant it enables.
 */
export class LeaseChecker {
  readonly violations: string[] = []
  private readonly leases = new Map<string, Lease[]>()
  private readonly maxToken = new Map<string, number>()
  private instant: Answer[] = []

  constructor(private readonly label: (nowMs: number) => string) {}

  /** Records an answer the server gave at `nowMs`; `flush` judges an instant's answers once all are in. */
  answer(a: Answer): void {
    this.instant.push(a)
  }

  flush(): void {
    const answers = this.instant
    this.instant = []
    const ends = answers.filter((a) => a.type !== 'granted')
    for (const a of [...ends, ...answers.filter((a) => a.type === 'granted')]) this.judge(a)
  }

  private judge(a: Answer): void {
    const live = (this.leases.get(a.lock) ?? []).filter((l) => l.endMs > a.atMs)
    this.leases.set(a.lock, live)
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

/** One answer of the server about one lease: a grant, a renewal, a release, or a refusal of a renewal or release. */
export type LeaseAnswer = {lock: string; owner: string; token: number} & (
  | {type: 'granted' | 'renewed'; expiresAt: number}
  | {type: 'released'}
  | {type: 'refused'; reason: string}
)

/** An answer, when and by which run of the server it was given. */
export type Answer = LeaseAnswer & {atMs: number; incarnation: number}
