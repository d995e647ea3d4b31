import {randomBytes} from 'node:crypto'

import type {Env} from '../../runtime/env/env.js'
import {badRequest, unavailable} from '../../runtime/net/http-error.js'
import type {Logger} from '../../runtime/net/node-log.js'
import {
  Coordinator,
  defaultCoordinatorTiming,
  NO_READS,
  txnRequestError,
  type ClientResult,
  type Condition,
  type CoordinatorLogRecord,
  type CoordinatorReady,
  type FailpointName,
  type FinishedTxn,
  type Message,
  type NodeId,
  type ReadRequest,
  type TxnAnswer,
  type TxnId,
  type Write,
} from '../../core/txn/index.js'
import {BucketHistogram} from '../../core/stats/bucket-histogram.js'
import {CoreDriver} from '../txn-common/core-driver.js'
import {keyOwner} from '../../core/txn/key-owner.js'
import {PeerTransport, type MessageTransport} from '../txn-common/peer-transport.js'
import {Partition} from '../../runtime/net/partition.js'
import {openReadyLog, type ReadyLog} from '../txn-common/ready-log.js'

export interface CoordinatorNodeOptions {
  participants: Record<NodeId, string>
  prepareTimeoutMs?: number
  /** Admission bound: more active transactions than this and POST /txn answers 503. */
  maxActiveTxns?: number
  /** ReadyLog checkpoint interval (default DEFAULT_CHECKPOINT_AFTER_BYTES). */
  checkpointAfterBytes?: number
}

const DEFAULT_MAX_ACTIVE_TXNS = 10_000
/**
 * HTTP loses a message only when a request fails, and a participant's vote
 * waits for its fsync, so re-sends come later than the core's default (which
 * suits a lossy simulated network): sooner would mostly duplicate work.
 */
const RETRY = {initialMs: 1_000, maxMs: 5_000}
const RECENT_REDRIVEN = 1_000

/**
 * Wires the pure coordinator to the Env (clock, timers, randomness), its decision log and the network.
 * Transaction ids are `<boot id>.<counter>`: a random boot id per process
 * start keeps them unique across restarts, which presumed abort relies on
 * (a forgotten id must never be reused for a transaction that may commit).
 */
export class CoordinatorService {
  private readonly core: Coordinator
  private readonly log: ReadyLog<CoordinatorLogRecord>
  private readonly transport: MessageTransport
  private readonly driver: CoreDriver<CoordinatorLogRecord, CoordinatorReady>
  private readonly bootId = randomBytes(6).toString('hex')
  private nextTxn = 1
  private readonly waiters = new Map<TxnId, (answer: TxnAnswer) => void>()
  /** When each commit's decision was released (durable, commits sent), to time phase 2. */
  private readonly releasedAtMs = new Map<TxnId, number>()
  private readonly phases = {prepare: new BucketHistogram(), decisionLog: new BucketHistogram(), commit: new BucketHistogram()}
  private readonly maxActiveTxns: number
  readonly ownerOf: (key: string) => NodeId
  readonly recovery: {
    logRecords: number
    tornBytesTruncated: number
    /** Process start to the log replayed and the core rebuilt. */
    replayMs: number
    /** COMMIT records without END: orphaned commits re-driven to every participant. */
    redriven: number
    redrivePending: number
    /** Process start to the last re-driven commit acknowledged everywhere (null while pending). */
    recoveryMs: number | null
    recent: Array<{txn: TxnId; acknowledgedAfterMs: number}>
  }

  /** Peers this node is cut off from: messages to and from them are dropped. */
  readonly partition = new Partition()

  /** `transport`: by default HTTP to options.participants; a simulation passes its own (which reports nothing undeliverable). */
  constructor(dataDir: string, options: CoordinatorNodeOptions, id: NodeId, logger: Logger, private readonly env: Env, transport?: MessageTransport) {
    const participants = Object.keys(options.participants)
    this.ownerOf = keyOwner(participants)
    this.maxActiveTxns = options.maxActiveTxns ?? DEFAULT_MAX_ACTIVE_TXNS
    const {checkpoint, records, tornBytesTruncated, log} = openReadyLog<CoordinatorLogRecord, CoordinatorLogRecord[]>(env, dataDir, 'decision log', logger, options.checkpointAfterBytes)
    this.core = Coordinator.recover(
      {
        id,
        ownerOf: this.ownerOf,
        rng: env.rng,
        ...defaultCoordinatorTiming,
        retry: RETRY,
        ...(options.prepareTimeoutMs === undefined ? {} : {prepareTimeoutMs: options.prepareTimeoutMs}),
      },
      [...(checkpoint ?? []), ...records],
      env.wallNow(),
    )
    this.log = log
    this.transport =
      transport ??
      new PeerTransport(
        (peer) => options.participants[peer],
        (messages) => messages.forEach((m) => this.driver.input((now) => this.core.undeliverable(m, now))),
        this.partition,
      )
    const redriven = this.core.stats.recoveredCommits
    this.recovery = {
      logRecords: records.length,
      tornBytesTruncated,
      replayMs: env.now(),
      redriven,
      redrivePending: redriven,
      recoveryMs: redriven === 0 ? env.now() : null,
      recent: [],
    }
    this.driver = new CoreDriver(this.core, this.log, this.transport, logger, env, {
      taken: (ready) => ready.finished.forEach((f) => this.noteFinished(f)),
      hasAnswers: (ready) => ready.results.length > 0,
      released: (ready, releasedMs) => ready.results.forEach((r) => this.answer(r, releasedMs)),
      checkpoint: () => this.core.checkpoint(),
    })
    // Recovery's re-driven commits go out at once.
    this.driver.input(() => undefined)
  }

  /** Runs one transaction to its decision. Bad requests are refused before anything is locked or logged. */
  run(writes: Write[], conditions: Condition[], read: ReadRequest = NO_READS): Promise<TxnAnswer> {
    const error = txnRequestError(writes, conditions, read.reads)
    if (error !== undefined) throw badRequest(error)
    if (this.core.activeTxnCount >= this.maxActiveTxns) throw unavailable(`${this.core.activeTxnCount} transactions are active; the limit is ${this.maxActiveTxns}`)
    const txn = `${this.bootId}.${this.nextTxn++}`
    return new Promise((resolve) => {
      this.waiters.set(txn, resolve)
      this.driver.input((now) => this.core.begin(txn, writes, conditions, now, read))
    })
  }

  receive(messages: readonly Message[]): void {
    for (const m of this.partition.pass(messages)) this.driver.input((now) => this.core.step(m, now))
  }

  arm(name: FailpointName): void {
    this.core.arm(name)
  }

  health(): Record<string, unknown> {
    return {
      activeTxns: this.core.activeTxnCount,
      bootId: this.bootId,
      stats: this.core.stats,
      log: this.log.stats(),
      transport: this.transport.stats(),
      phasesMs: {prepare: this.phases.prepare.snapshot(), decisionLog: this.phases.decisionLog.snapshot(), commit: this.phases.commit.snapshot()},
      recovery: this.recovery,
    }
  }

  close(): Promise<void> {
    return this.driver.close()
  }

  private answer(r: ClientResult, releasedMs: number): void {
    const {prepareSentMs, votesCollectedMs, decidedMs} = r.timeline
    const phasesMs = {prepare: (votesCollectedMs ?? releasedMs) - (prepareSentMs ?? releasedMs), decisionLog: releasedMs - (decidedMs ?? releasedMs)}
    this.phases.prepare.record(phasesMs.prepare)
    this.phases.decisionLog.record(phasesMs.decisionLog)
    if (r.outcome === 'committed' && this.core.phaseOf(r.txn) !== undefined) this.releasedAtMs.set(r.txn, releasedMs)
    const answer: TxnAnswer =
      r.outcome === 'committed'
        ? {txn: r.txn, outcome: 'committed', reason: null, ...(r.values ? {values: r.values} : {}), phasesMs}
        : {txn: r.txn, outcome: 'aborted', reason: r.reason, detail: r.detail, phasesMs}
    this.waiters.get(r.txn)?.(answer)
    this.waiters.delete(r.txn)
  }

  private noteFinished(f: FinishedTxn): void {
    const releasedMs = this.releasedAtMs.get(f.txn)
    this.releasedAtMs.delete(f.txn)
    if (releasedMs !== undefined && f.timeline.acksCollectedMs !== undefined) this.phases.commit.record(f.timeline.acksCollectedMs - releasedMs)
    if (!f.recovered) return
    const r = this.recovery
    r.redrivePending--
    r.recent.push({txn: f.txn, acknowledgedAfterMs: this.env.now()})
    if (r.recent.length > RECENT_REDRIVEN) r.recent.shift()
    if (r.redrivePending === 0) r.recoveryMs = this.env.now()
  }
}
