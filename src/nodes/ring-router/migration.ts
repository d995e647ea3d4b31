import {retryDelayMs, type RetryPolicy} from '../../core/common/backoff.js'
import {invariant} from '../../core/common/invariant.js'
import {chunkByBytes, type LivePlacementConfig, livePlacement, type Membership, planMigration, RING_LIMITS} from '../../core/ring-live/index.js'
import type {MigrationReport} from '../../core/ring-live/migration-report.js'
import {measureChurn} from '../../core/ring/index.js'
import type {Env} from '../../runtime/env/env.js'
import {sleep} from '../../runtime/env/sleep.js'
import type {Logger} from '../../runtime/net/node-log.js'
import type {KeyMutex} from './key-mutex.js'
import {type KeyRouter, type Migrating, migratingRegime, stableRegime} from './key-router.js'
import type {ShardPool} from './shard-pool.js'

/** Keys per migration batch: the moving keys a batch locks while it copies, so also how long a client can wait on one. */
const MOVE_BATCH_KEYS = 256
const MIGRATION_WORKERS = 4
/** A failed step (a shard restarting) is retried after this backoff until it succeeds or the router shuts down. */
const STEP_RETRY: RetryPolicy = {initialMs: 50, maxMs: 2_000}

export interface MigrationDeps {
  env: Env
  log: Logger
  pool: ShardPool
  locks: KeyMutex
  router: KeyRouter
  config: LivePlacementConfig
  /** The router is shutting down: a failing step stops retrying. */
  stopped: () => boolean
}

/**
 * Moves the keys of one membership change while the router serves:
 * 1. Routing switches to migrating (the new membership is already durable as
 *    `migratingTo`), and every request routed under the old placement is
 *    waited for (none can write a moving key's old owner later).
 * 2. Each old shard lists its keys; those the new placement puts elsewhere move.
 * 3. The migrator copies a batch under the locks of its keys (which client
 *    operations on a moving key also take, see key-router.ts): read the old
 *    values, skip keys a client already wrote ("settled"), put-if-absent at
 *    the new owner, delete at the old. So a copy never overwrites a newer
 *    write, and a read sees the new owner's value, or the old owner's while
 *    no copy or write has reached the new one.
 * 4. `commit` makes the new membership durable, routing switches to it, and
 *    requests still in flight under migrating routing are waited for.
 * A restart between 1 and 4 runs the migration again: put-if-absent keeps
 * any value a client wrote at the new owner, and reads try the new owner first.
 */
export async function migrate(deps: MigrationDeps, to: Membership, report: MigrationReport, commit: () => Promise<void>): Promise<void> {
  const {env, router, config} = deps
  const startMs = env.now()
  const old = router.current
  invariant(old.type === 'stable', 'a migration started while another was running')
  const next = livePlacement(to.nodes, config)
  const regime = migratingRegime(old.placement, next)
  await router.switchTo(regime)

  report.phase = 'scanning'
  const keysByShard = new Map<string, readonly string[]>()
  for (const shard of report.before) {
    const {keys} = await retry(deps, report, () => deps.pool.admin<{keys: string[]}>(shard, 'GET', '/keys'))
    keysByShard.set(shard, keys)
  }
  const plan = planMigration(regime.from, next, keysByShard, MOVE_BATCH_KEYS)

  report.phase = 'copying'
  let nextBatch = 0
  const worker = async (): Promise<void> => {
    while (nextBatch < plan.batches.length) {
      const batch = plan.batches[nextBatch++]
      await retry(deps, report, () => moveBatch(deps, batch, regime, report))
    }
  }
  await Promise.all(Array.from({length: MIGRATION_WORKERS}, worker))

  // Keys a client moved before its old shard listed them were not in the scan: they moved all the same.
  const scanned = new Set(plan.keys)
  const movedUnscanned = [...regime.movedByClients].filter((key) => !scanned.has(key))
  const keySet = [...plan.keys, ...movedUnscanned]
  report.keys = keySet.length
  report.moved = plan.moving + movedUnscanned.length
  report.movedByClients = report.moved - report.copied
  const prediction = measureChurn(config.algorithm, report.before, report.after, keySet, config.options, () => env.now())
  report.prediction = {
    moved: prediction.moved,
    movedFraction: prediction.movedFraction,
    idealFraction: prediction.idealFraction,
    movedOverIdeal: prediction.movedOverIdeal,
    movedBetweenSurvivors: prediction.movedBetweenSurvivors,
    notes: prediction.notes,
  }
  report.agrees = prediction.moved === report.moved

  report.phase = 'finishing'
  // Every copy is durable; now the new membership is, before routing relies on it alone.
  await retry(deps, report, commit)
  await router.switchTo(stableRegime(next))
  report.phase = 'done'
  report.migrationMs = env.now() - startMs
}

/** Copies one batch under its keys' locks: read old values, put-if-absent at the new owner, delete at the old. */
async function moveBatch({pool, locks}: MigrationDeps, batch: {from: string; to: string; keys: string[]}, regime: Migrating, report: MigrationReport): Promise<void> {
  const release = await locks.lockAll(batch.keys)
  try {
    const pending = batch.keys.filter((key) => !regime.settled.has(key))
    if (pending.length === 0) return
    const {entries} = await pool.admin<{entries: Array<{key: string; value: string | null}>}>(batch.from, 'POST', '/batch/get', {keys: pending.map((key) => ({key}))})
    const present = entries.filter((e): e is {key: string; value: string} => e.value !== null)
    let copied = 0
    let bytes = 0
    for (const chunk of chunkByBytes(present, RING_LIMITS.batchBytes)) {
      const {written} = await pool.admin<{written: number}>(batch.to, 'POST', '/batch/put', {entries: chunk.entries, ifAbsent: true})
      copied += written
      bytes += chunk.bytes
    }
    // The copies are durable at the new owner; only now may the old ones go.
    await pool.admin(batch.from, 'POST', '/batch/delete', {keys: pending.map((key) => ({key}))})
    for (const key of pending) regime.settled.add(key)
    report.copied += copied
    report.bytesCopied += bytes
  } finally {
    release()
  }
}

/** Retries a migration step until it succeeds (a shard may be restarting); stops only on shutdown. */
async function retry<T>({env, log, stopped}: MigrationDeps, report: MigrationReport, step: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    if (stopped()) throw new Error('router is shutting down')
    try {
      return await step()
    } catch (err) {
      report.lastError = (err as Error).message
      log.error('migration step failed, retrying', {id: report.id, attempt, error: report.lastError})
      await sleep(env, retryDelayMs(attempt, STEP_RETRY, env.rng))
    }
  }
}
