/**
 * The contract between the load harness and a workload. The harness owns
 * scheduling (closed or open loop), timing and statistics; a workload only
 * knows how to check its target and issue one operation against it.
 */
import type {KvWorkloadOptions} from './kv/kv-workload.js'
import type {LockWorkloadMemory, LockWorkloadOptions} from './lock/lock-workload.js'
import type {LoadReport} from './report.js'
import type {KeyChoice} from './txn/txn-keys.js'

/** Handed to every operation: where sub-latencies and custom counts go. */
export interface OpContext {
  readonly clientIndex: number
  /** Records a named latency in microseconds into its own histogram (e.g. "wait"). */
  record(histogram: string, micros: number): void
  /** Adds to a named counter in the report (e.g. "timeouts"). */
  count(counter: string, n?: number): void
}

/**
 * One operation. Resolves with the operation's type ("read", "write",
 * "acquire"...), which selects its latency histogram. Throws OpError to count
 * a failure by kind; any other error counts as kind "unexpected".
 */
export type Operation = (ctx: OpContext) => Promise<string>

export interface Workload {
  /** "lock", "kv", "ring", "txn", "http". */
  readonly name: string
  /** "dsys", "redis://...", "etcd://..." */
  readonly target: string
  /** Every operation type and named histogram this workload can report: thresholds are checked against them before the run. */
  readonly metrics: readonly string[]
  /** The most clients the target documents it can take, and why; more are refused before the run. */
  readonly clientLimit?: {max: number; why: string}
  /**
   * One request to the target before any load: throws PreflightError with one
   * clear line when it is unreachable, of the wrong kind, or answers 404.
   */
  preflight(): Promise<void>
  /** How a worker thread opens its own copy of this workload (--threads); none: the workload runs on one thread. */
  readonly recipe?: WorkloadRecipe
  /** Called on the main thread when warmup ends, e.g. to read the servers' counters. */
  beginMeasurement?(): Promise<void>
  /** One operation function per client, created before the clock starts. */
  createClient(clientIndex: number): Promise<Operation>
  /** Workload-specific report fields, computed after the run from the harness's report (fairness, safety, per-shard load). */
  summarize?(report: LoadReport): Record<string, unknown> | Promise<Record<string, unknown>>
  close(): Promise<void>
}

/** What a worker thread needs to open a workload's clients on its own (recipes.ts opens it): plain data. */
export type WorkloadRecipe =
  | {kind: 'http'; url: string; transport: 'undici' | 'raw'}
  | {kind: 'kv'; target: KvTargetRecipe; options: KvWorkloadOptions}
  | {kind: 'lock'; backend: LockBackendRecipe; options: LockWorkloadOptions; memory: LockWorkloadMemory}
  | {kind: 'txn'; coordinator: string; participants: Record<string, string>; choice: KeyChoice; seed: number}

export type LockBackendRecipe =
  | {kind: 'dsys'; url: string}
  | {kind: 'redis'; url: string; retryDelayMs: number}
  | {kind: 'redlock'; target: string; retryDelayMs: number}
  | {kind: 'etcd'; target: string}
  | {kind: 'zookeeper'; target: string}

export type KvTargetRecipe =
  | {kind: 'dsys'; urls: string[]; opTimeoutMs: number}
  | {kind: 'etcd'; name: string; opTimeoutMs: number; attemptTimeoutMs: number}
  | {kind: 'router'; url: string}

/** A failed operation, counted under `kind` ("timeout", "conflict", "http-503"...). */
export class OpError extends Error {
  override name = 'OpError'

  constructor(
    readonly kind: string,
    message: string = kind,
  ) {
    super(message)
  }
}

/** The target failed its preflight check: the run does not start. */
export class PreflightError extends Error {
  override name = 'PreflightError'
}
