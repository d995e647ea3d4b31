import type {Rng} from '../../core/common/rng.js'

export interface KeyChoice {
  /** Distinct keys in the key space. 10 = high contention, 100k = low. */
  keys: number
  keysPerTxn: number
  participantsPerTxn: number
}

/**
 * Picks a transaction's keys from `bench-key-0 ... bench-key-<keys-1>` so that
 * they span exactly `participantsPerTxn` participants: the participants are
 * chosen at random, the keys spread over them round-robin, each key drawn at
 * random from that participant's share of the key space.
 */
export class TxnKeyChooser {
  private readonly byOwner: string[][]

  constructor(
    private readonly choice: KeyChoice,
    ownerOf: (key: string) => string,
    participants: readonly string[],
  ) {
    if (choice.participantsPerTxn > participants.length) {
      throw new Error(`--participants-per-txn ${choice.participantsPerTxn} is more than the cluster's ${participants.length} participants`)
    }
    if (choice.keysPerTxn < choice.participantsPerTxn) throw new Error(`--keys-per-txn must be at least --participants-per-txn (${choice.participantsPerTxn})`)
    const shares = new Map<string, string[]>(participants.map((p) => [p, []]))
    for (let i = 0; i < choice.keys; i++) {
      const key = `bench-key-${i}`
      shares.get(ownerOf(key))!.push(key)
    }
    this.byOwner = [...shares.values()].filter((keys) => keys.length > 0)
    if (this.byOwner.length < choice.participantsPerTxn) {
      throw new Error(`--keys ${choice.keys} land on only ${this.byOwner.length} participant(s); a transaction needs ${choice.participantsPerTxn}`)
    }
    const perOwner = Math.ceil(choice.keysPerTxn / choice.participantsPerTxn)
    const smallest = Math.min(...this.byOwner.map((k) => k.length))
    if (smallest < perOwner) throw new Error(`--keys ${choice.keys} is too few: a participant owns only ${smallest} key(s) and a transaction needs ${perOwner} on each`)
  }

  choose(rng: Rng): string[] {
    const owners = pickDistinct(this.byOwner.length, this.choice.participantsPerTxn, rng)
    const counts = owners.map((_, i) => Math.floor(this.choice.keysPerTxn / owners.length) + (i < this.choice.keysPerTxn % owners.length ? 1 : 0))
    return owners.flatMap((owner, i) => pickDistinct(this.byOwner[owner].length, counts[i], rng).map((k) => this.byOwner[owner][k]))
  }
}

/** `count` distinct integers in [0, n), by rejection (count is small next to n, or n is small). */
function pickDistinct(n: number, count: number, rng: Rng): number[] {
  const picked = new Set<number>()
  while (picked.size < count) picked.add(rng.int(n))
  return [...picked]
}
