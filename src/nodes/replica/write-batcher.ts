import {HttpError} from '../../runtime/net/http-error.js'
import type {Proposal} from './consensus.js'
import type {EntryCodec} from './replicated-machine.js'

interface QueuedWrite<Result> {
  readonly encoded: string
  resolve(result: Result): void
  reject(err: Error): void
}

/** The writes proposed together as one entry, in the entry's command order. */
interface ProposedBatch<Result> {
  /** The proposal's tag (Consensus.tagOf): the batch is answered only if its own proposal is the one applied. */
  readonly tag: number | string
  readonly writes: readonly QueuedWrite<Result>[]
}

/** Bound on one batch entry in UTF-16 units of its encoded commands (see RaftLogStore's record limit); the codec bounds their count. */
const MAX_BATCH_CHARS = 512 * 1024

/**
 * The leader's group commit: writes that arrive between two Readies are
 * proposed together, in entries of up to the codec's maxCommands, and all go
 * in the same Ready (one WAL append, one fsync, one message per follower);
 * each write is answered from its command's result once its entry is
 * applied here.
 */
export class WriteBatcher<Command, Result> {
  /** Writes waiting for the next Ready to be proposed as one batch entry. */
  private queued: QueuedWrite<Result>[] = []
  /** Proposed batches by log index, until applied (or leadership is lost). */
  private readonly proposed = new Map<number, ProposedBatch<Result>>()

  constructor(private readonly codec: EntryCodec<Command>) {}

  /** Resolves with the write's result once its entry is applied; rejects when its outcome cannot be known here. */
  add(command: Command): Promise<Result> {
    return new Promise<Result>((resolve, reject) => this.queued.push({encoded: this.codec.encode(command), resolve, reject}))
  }

  /** Proposes every queued write; `notLeader` is the answer when the core refuses for want of leadership. */
  proposeQueued(propose: (data: string) => Proposal, notLeader: () => Error): void {
    while (this.queued.length > 0) {
      let count = 0
      let chars = 0
      while (count < this.queued.length && count < this.codec.maxCommands && (count === 0 || chars + this.queued[count].encoded.length <= MAX_BATCH_CHARS)) {
        chars += this.queued[count].encoded.length
        count++
      }
      const writes = this.queued.splice(0, count)
      const result = propose(this.codec.entry(writes.map((w) => w.encoded)))
      if (result.ok) {
        this.proposed.set(result.index, {tag: result.tag, writes})
        continue
      }
      const err = result.reason === 'busy' ? new HttpError(503, 'too many uncommitted writes; retry later') : notLeader()
      for (const w of writes) w.reject(err)
    }
  }

  /** The entry at `index`, of proposal `tag`, was applied with these per-command results: answer its writes if this replica proposed it. */
  applied(index: number, tag: number | string, results: readonly Result[]): void {
    const batch = this.proposed.get(index)
    if (batch === undefined) return
    this.proposed.delete(index)
    if (batch.tag === tag) batch.writes.forEach((w, i) => w.resolve(results[i]))
    else for (const w of batch.writes) w.reject(new HttpError(503, 'the write was overwritten by a new leader and not applied; retry'))
  }

  failAll(reason: string): void {
    const err = new HttpError(503, reason)
    for (const batch of this.proposed.values()) for (const w of batch.writes) w.reject(err)
    this.proposed.clear()
    for (const w of this.queued) w.reject(err)
    this.queued = []
  }
}
