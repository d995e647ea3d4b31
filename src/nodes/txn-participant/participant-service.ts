import type {Logger} from '../../runtime/net/node-log.js'
import type {Env} from '../../runtime/env/env.js'
import {
  defaultParticipantTiming,
  Participant,
  type FailpointName,
  type Message,
  type ParticipantCheckpoint,
  type ParticipantLogRecord,
  type ParticipantReady,
  type ResolvedTxn,
} from '../../core/txn/index.js'
import {BucketHistogram} from '../../core/stats/bucket-histogram.js'
import {CoreDriver} from '../txn-common/core-driver.js'
import {PeerTransport, type MessageTransport} from '../txn-common/peer-transport.js'
import {Partition} from '../../runtime/net/partition.js'
import {openReadyLog, type ReadyLog} from '../txn-common/ready-log.js'

export interface ParticipantNodeOptions {
  /** The coordinator's URL; every message this participant sends goes there. */
  coordinator: string
  queryAfterMs?: number
  /** ReadyLog checkpoint interval (default DEFAULT_CHECKPOINT_AFTER_BYTES). */
  checkpointAfterBytes?: number
}

/** Orphans kept for /health: enough to list a crash's worth, bounded. */
const RECENT_ORPHANS = 1_000
const IN_DOUBT_LISTED = 100

/** A participant's checkpoint: its committed table and its core's recovery state. */
export interface ParticipantNodeCheckpoint {
  table: Array<[string, string]>
  core: ParticipantCheckpoint
}

interface OrphanResolution {
  txn: string
  outcome: string
  /** How the outcome arrived: the participant asked, or the coordinator re-sent it. */
  via: 'query' | 'coordinator'
  inDoubtMs: number
  keyCount: number
  recovered: boolean
}

/**
 * Wires the pure participant to the Env (clock, timers, randomness), its
 * log and the network. The committed table is in memory and rebuilt on
 * start from the latest checkpoint and the COMMIT records after it
 * (checkpoint and log are the participant's only durable state).
 *
 * Two views of it: the core checks conditions against every commit it has
 * decided (its Ready taken), but reads see a commit only once its COMMIT
 * record is durable, so a crash before the fsync cannot take a value back
 * from a reader.
 */
export class ParticipantService {
  /** Durable commits: what reads see. */
  private readonly table = new Map<string, string>()
  /** Commits taken but not yet durable, per key: the newest value and how many are still on their way to disk. */
  private readonly undurable = new Map<string, {value: string; commits: number}>()
  private readonly core: Participant
  private readonly log: ReadyLog<ParticipantLogRecord>
  private readonly transport: MessageTransport
  private readonly driver: CoreDriver<ParticipantLogRecord, ParticipantReady>
  private readonly inDoubtMs = new BucketHistogram()
  private readonly orphans = {count: 0, committed: 0, aborted: 0, keyBlockedMs: 0, maxInDoubtMs: 0, recent: [] as OrphanResolution[]}
  readonly recovery: {logRecords: number; tornBytesTruncated: number; replayMs: number; inDoubtAtStart: number}

  /** Peers this node is cut off from: messages to and from them are dropped. */
  readonly partition = new Partition()

  /** `transport`: by default HTTP to options.coordinator; a simulation passes its own. */
  constructor(dataDir: string, options: ParticipantNodeOptions, id: string, logger: Logger, private readonly env: Env, transport?: MessageTransport) {
    const startMs = env.now()
    const {checkpoint, records, tornBytesTruncated, log} = openReadyLog<ParticipantLogRecord, ParticipantNodeCheckpoint>(env, dataDir, 'log', logger, options.checkpointAfterBytes)
    // Replay committed writes first: recovery checks nothing against them, but new prepares will.
    for (const [key, value] of checkpoint?.table ?? []) this.table.set(key, value)
    for (const r of records) if (r.type === 'commit') this.apply(r.writes)
    this.core = Participant.recover(
      {
        id,
        readCommitted: (key) => this.undurable.get(key)?.value ?? this.table.get(key),
        rng: env.rng,
        ...defaultParticipantTiming,
        ...(options.queryAfterMs === undefined ? {} : {queryAfterMs: options.queryAfterMs}),
      },
      records,
      env.wallNow(),
      checkpoint?.core,
    )
    this.log = log
    this.transport = transport ?? new PeerTransport(() => options.coordinator, () => undefined, this.partition)
    this.recovery = {logRecords: records.length, tornBytesTruncated, replayMs: env.now() - startMs, inDoubtAtStart: this.core.stats.recoveredInDoubt}
    this.driver = new CoreDriver(this.core, this.log, this.transport, logger, env, {
      taken: (ready) => {
        // The core's readCommitted contract: a Ready's committed writes are visible to it before the next input.
        for (const r of ready.persist) if (r.type === 'commit') this.takeUndurable(r.writes)
        for (const t of ready.resolved) this.noteResolved(t)
      },
      released: (ready) => {
        // The COMMIT record is forced: by now it is on disk, and readers may see it.
        for (const r of ready.persist) if (r.type === 'commit') this.makeDurable(r.writes)
      },
      checkpoint: () => this.checkpoint(),
    })
    // Recovery's outcome queries go out at once.
    this.driver.input(() => undefined)
  }

  receive(messages: readonly Message[]): void {
    for (const m of this.partition.pass(messages)) this.driver.input((now) => this.core.step(m, now))
  }

  arm(name: FailpointName): void {
    this.core.arm(name)
  }

  read(key: string): string | undefined {
    return this.table.get(key)
  }

  health(): Record<string, unknown> {
    const now = this.env.wallNow()
    const inDoubt = this.core.inDoubt()
    return {
      inDoubtCount: inDoubt.length,
      inDoubt: inDoubt.slice(0, IN_DOUBT_LISTED).map((t) => ({...t, forMs: now - t.sinceMs})),
      lockedKeys: this.core.lockedKeyCount,
      keys: this.table.size,
      stats: this.core.stats,
      log: this.log.stats(),
      transport: this.transport.stats(),
      inDoubtMs: this.inDoubtMs.snapshot(),
      orphans: this.orphans,
      recovery: this.recovery,
    }
  }

  close(): Promise<void> {
    return this.driver.close()
  }

  /** Every commit taken so far, durable or not: the log writes a checkpoint only once the records it covers are durable. */
  private checkpoint(): ParticipantNodeCheckpoint {
    const table = new Map(this.table)
    for (const [key, {value}] of this.undurable) table.set(key, value)
    return {table: [...table], core: this.core.checkpoint()}
  }

  private apply(writes: ReadonlyArray<{key: string; value: string}>): void {
    for (const w of writes) this.table.set(w.key, w.value)
  }

  private takeUndurable(writes: ReadonlyArray<{key: string; value: string}>): void {
    for (const w of writes) {
      const entry = this.undurable.get(w.key)
      if (entry) {
        entry.value = w.value
        entry.commits++
      } else this.undurable.set(w.key, {value: w.value, commits: 1})
    }
  }

  /** Readies are released in the order they were taken, so the table ends with the newest durable value. */
  private makeDurable(writes: ReadonlyArray<{key: string; value: string}>): void {
    this.apply(writes)
    for (const w of writes) {
      const entry = this.undurable.get(w.key)!
      if (--entry.commits === 0) this.undurable.delete(w.key)
    }
  }

  private noteResolved(t: ResolvedTxn): void {
    const inDoubtMs = t.decidedAtMs - t.preparedAtMs
    this.inDoubtMs.record(inDoubtMs)
    // An orphan: prepared before a crash (ours) or left waiting long enough to ask (the coordinator's).
    if (!t.recovered && !t.queried) return
    const o = this.orphans
    o.count++
    if (t.outcome === 'committed') o.committed++
    else o.aborted++
    o.keyBlockedMs += inDoubtMs * t.keyCount
    o.maxInDoubtMs = Math.max(o.maxInDoubtMs, inDoubtMs)
    o.recent.push({txn: t.txn, outcome: t.outcome, via: t.queried ? 'query' : 'coordinator', inDoubtMs, keyCount: t.keyCount, recovered: t.recovered})
    if (o.recent.length > RECENT_ORPHANS) o.recent.shift()
  }
}
