import {setTimeout as sleep} from 'node:timers/promises'

import {invariant} from '../../core/common/invariant.js'
import {badRequest, conflict, HttpError, notFound} from '../../runtime/net/http-error.js'
import {segment} from '../../runtime/net/json-client.js'
import type {Logger} from '../../runtime/net/node-log.js'
import {chunkByBytes, type KeyRoute, type LivePlacementConfig, livePlacement, type Membership, type MembershipRequest, planMembership, planMigration, RING_LIMITS, routeKey} from '../../core/ring-live/index.js'
import {measureChurn, type Placement, PlacementInputError} from '../../core/ring/index.js'
import {Inflight} from './inflight.js'
import {KeyMutex} from './key-mutex.js'
import type {MigrationReport} from '../../core/ring-live/migration-report.js'
import {type RouterState, writeRouterState} from './router-state.js'
import {ShardPool} from './shard-pool.js'

export interface KvReply {
  status: number
  body: unknown
}

/** How requests are routed: to one placement, or between two while keys move. */
type Regime = Stable | Migrating
interface Stable {
  type: 'stable'
  placement: Placement
  inflight: Inflight
}
interface Migrating {
  type: 'migrating'
  from: Placement
  next: Placement
  inflight: Inflight
  /** Moving keys whose new owner holds their latest value (copied, or written by a client). */
  settled: Set<string>
  /** Moving keys a client write removed from the old owner. */
  movedByClients: Set<string>
}

/** Keys per migration batch: the moving keys a batch locks while it copies, so also how long a client can wait on one. */
const MOVE_BATCH_KEYS = 256
const MIGRATION_WORKERS = 4
const RETRY_MAX_MS = 2_000

/**
 * The ring router: forwards /kv requests to the shard that owns the key and
 * changes membership while serving.
 *
 * A migration (one at a time) works like this:
 * 1. The new membership is made durable as `migratingTo`, then the router
 *    switches to migrating routing and waits for every request routed under
 *    the old placement to finish (none can write a moving key's old owner later).
 * 2. Each old shard lists its keys; those the new placement puts elsewhere move.
 * 3. A moving key is owned by its new shard from the start: writes go there,
 *    then delete the old copy; reads try the new owner, then the old. Both take
 *    the key's lock, as does the migrator, which copies a batch under the locks
 *    of its keys: read the old values, skip keys a client already wrote
 *    ("settled"), put-if-absent at the new owner, delete at the old. So a copy
 *    never overwrites a newer write, and a read sees the new owner's value, or
 *    the old owner's while no copy or write has reached the new one.
 * 4. The new membership is made durable, routing switches to it, and requests
 *    still in flight under migrating routing are waited for.
 * A restart between 1 and 4 resumes the migration: put-if-absent keeps any
 * value a client wrote at the new owner, and reads try the new owner first.
 */
export class RingRouter {
  private readonly pool = new ShardPool(64)
  private readonly locks = new KeyMutex()
  private regime: Regime
  private current: MigrationReport | null = null
  private last: MigrationReport | null = null
  private closed = false

  constructor(
    private readonly dataDir: string,
    private state: RouterState,
    private readonly config: LivePlacementConfig,
    private readonly log: Logger,
  ) {
    this.pool.sync({...state.membership.urls, ...state.migratingTo?.urls})
    this.regime = {type: 'stable', placement: livePlacement(state.membership.nodes, config), inflight: new Inflight()}
    if (state.migratingTo) {
      log.info('resuming the migration a restart interrupted', {to: state.migratingTo.nodes})
      this.startMigration(state.migratingTo, describeChange(state.membership, state.migratingTo), state.migrations)
    }
  }

  get(key: string): Promise<KvReply> {
    return this.route(key, async (route, migrating) => {
      if (route.type === 'owned') return this.pass(await this.pool.forward(route.shard, 'GET', kvPath(key)))
      const fresh = this.pass(await this.pool.forward(route.to, 'GET', kvPath(key)))
      if (fresh.status !== 404 || migrating?.settled.has(key)) return fresh
      return this.pass(await this.pool.forward(route.from, 'GET', kvPath(key)))
    })
  }

  put(key: string, value: string): Promise<KvReply> {
    return this.route(key, async (route, migrating) => {
      const shard = route.type === 'owned' ? route.shard : route.to
      const reply = this.pass(await this.pool.forward(shard, 'PUT', kvPath(key), {value}))
      if (route.type === 'moving' && migrating && reply.status === 200) await this.dropOldCopy(key, route.from, migrating)
      return reply
    })
  }

  delete(key: string): Promise<KvReply> {
    return this.route(key, async (route, migrating) => {
      const shard = route.type === 'owned' ? route.shard : route.to
      const reply = this.pass(await this.pool.forward(shard, 'DELETE', kvPath(key)))
      if (route.type === 'moving' && migrating && reply.status === 200) await this.dropOldCopy(key, route.from, migrating)
      return reply
    })
  }

  /** Starts adding or removing a shard; the answer is the migration's report as it begins. */
  async change(request: MembershipRequest): Promise<MigrationReport> {
    if (this.state.migratingTo || this.current) throw conflict(`migration ${this.current?.id} is still running; wait for it to finish`)
    let to: Membership
    try {
      to = planMembership(this.state.membership, request)
      livePlacement(to.nodes, this.config)
    } catch (err) {
      if (err instanceof PlacementInputError) throw (request.type === 'remove' && !this.state.membership.nodes.includes(request.name) ? notFound : badRequest)(err.message)
      throw err
    }
    const id = this.state.migrations + 1
    this.state = {...this.state, migratingTo: to, migrations: id}
    // Durable before any key moves: a restarted router must finish this migration.
    await writeRouterState(this.dataDir, this.state)
    this.pool.sync({...this.state.membership.urls, ...to.urls})
    return this.startMigration(to, {type: request.type, name: request.name}, id)
  }

  migrationStatus(): {running: MigrationReport | null; last: MigrationReport | null} {
    return {running: this.current, last: this.last}
  }

  health(): Record<string, unknown> {
    const {membership} = this.state
    return {
      algorithm: this.config.algorithm,
      options: this.config.options,
      nodes: membership.nodes,
      shards: Object.fromEntries(membership.nodes.map((name) => [name, {url: membership.urls[name], requests: this.pool.requests.get(name) ?? 0}])),
      migratingTo: this.state.migratingTo?.nodes ?? null,
      migration: this.current,
      lastMigration: this.last,
    }
  }

  async close(): Promise<void> {
    this.closed = true
    await this.pool.close()
  }

  /** Runs a client operation under the regime current when it arrived; a moving key's operations hold its lock. */
  private route(key: string, op: (route: KeyRoute, migrating: Migrating | null) => Promise<KvReply>): Promise<KvReply> {
    const regime = this.regime
    if (regime.type === 'stable') return regime.inflight.run(() => op({type: 'owned', shard: regime.placement.owner(key)}, null))
    return regime.inflight.run(async () => {
      const route = routeKey(key, regime.from, regime.next)
      if (route.type === 'owned') return op(route, regime)
      const release = await this.locks.lock(key)
      try {
        return await op(route, regime)
      } finally {
        release()
      }
    })
  }

  /** After a client write reached a moving key's new owner: the old copy goes, and the key is the client's from now on. */
  private async dropOldCopy(key: string, from: string, migrating: Migrating): Promise<void> {
    const {deleted} = await this.pool.admin<{deleted: number}>(from, 'POST', '/batch/delete', {keys: [{key}]})
    migrating.settled.add(key)
    if (deleted > 0) migrating.movedByClients.add(key)
  }

  private pass(res: {status: number; body: unknown}): KvReply {
    if (res.status >= 500) throw new HttpError(502, `shard error ${res.status}: ${JSON.stringify(res.body)}`)
    return {status: res.status, body: res.body}
  }

  private startMigration(to: Membership, change: MigrationReport['change'], id: number): MigrationReport {
    const report: MigrationReport = {
      id,
      change,
      before: this.state.membership.nodes,
      after: to.nodes,
      phase: 'draining',
      startedAt: new Date().toISOString(),
      keys: 0,
      moved: 0,
      copied: 0,
      movedByClients: 0,
      bytesCopied: 0,
      migrationMs: null,
      prediction: null,
      agrees: null,
      lastError: null,
    }
    this.current = report
    this.migrate(to, report).catch((err) => {
      // Only a shutdown ends a migration early; a restart resumes it.
      report.lastError = (err as Error).message
      this.log.error('migration stopped', {id, error: (err as Error).stack ?? String(err)})
    })
    return report
  }

  private async migrate(to: Membership, report: MigrationReport): Promise<void> {
    const startMs = performance.now()
    const old = this.regime
    invariantStable(old)
    const next = livePlacement(to.nodes, this.config)
    const regime: Migrating = {type: 'migrating', from: old.placement, next, inflight: new Inflight(), settled: new Set(), movedByClients: new Set()}
    this.regime = regime
    await old.inflight.drained()

    report.phase = 'scanning'
    const keysByShard = new Map<string, readonly string[]>()
    for (const shard of report.before) {
      const {keys} = await this.retry(report, () => this.pool.admin<{keys: string[]}>(shard, 'GET', '/keys'))
      keysByShard.set(shard, keys)
    }
    const plan = planMigration(regime.from, next, keysByShard, MOVE_BATCH_KEYS)

    report.phase = 'copying'
    let nextBatch = 0
    const worker = async (): Promise<void> => {
      while (nextBatch < plan.batches.length) {
        const batch = plan.batches[nextBatch++]
        await this.retry(report, () => this.moveBatch(batch, regime, report))
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
    const prediction = measureChurn(this.config.algorithm, report.before, report.after, keySet, this.config.options, () => performance.now())
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
    this.state = {...this.state, membership: to, migratingTo: null}
    // Every copy is durable; now the new membership is, before routing relies on it alone.
    await this.retry(report, () => writeRouterState(this.dataDir, this.state))
    this.regime = {type: 'stable', placement: next, inflight: new Inflight()}
    await regime.inflight.drained()
    this.pool.sync(to.urls)
    report.phase = 'done'
    report.migrationMs = performance.now() - startMs
    this.current = null
    this.last = report
    this.log.info('migration done', {...report, prediction: report.prediction.moved})
  }

  /** Copies one batch under its keys' locks: read old values, put-if-absent at the new owner, delete at the old. */
  private async moveBatch(batch: {from: string; to: string; keys: string[]}, regime: Migrating, report: MigrationReport): Promise<void> {
    const release = await this.locks.lockAll(batch.keys)
    try {
      const pending = batch.keys.filter((key) => !regime.settled.has(key))
      if (pending.length === 0) return
      const {entries} = await this.pool.admin<{entries: Array<{key: string; value: string | null}>}>(batch.from, 'POST', '/batch/get', {keys: pending.map((key) => ({key}))})
      const present = entries.filter((e): e is {key: string; value: string} => e.value !== null)
      let copied = 0
      let bytes = 0
      for (const chunk of chunkByBytes(present, RING_LIMITS.batchBytes)) {
        const {written} = await this.pool.admin<{written: number}>(batch.to, 'POST', '/batch/put', {entries: chunk.entries, ifAbsent: true})
        copied += written
        bytes += chunk.bytes
      }
      // The copies are durable at the new owner; only now may the old ones go.
      await this.pool.admin(batch.from, 'POST', '/batch/delete', {keys: pending.map((key) => ({key}))})
      for (const key of pending) regime.settled.add(key)
      report.copied += copied
      report.bytesCopied += bytes
    } finally {
      release()
    }
  }

  /** Retries a migration step until it succeeds (a shard may be restarting); stops only on shutdown. */
  private async retry<T>(report: MigrationReport, step: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new Error('router is shutting down')
      try {
        return await step()
      } catch (err) {
        report.lastError = (err as Error).message
        this.log.error('migration step failed, retrying', {id: report.id, attempt, error: report.lastError})
        await sleep(Math.min(RETRY_MAX_MS, 50 * 2 ** attempt))
      }
    }
  }
}

const kvPath = (key: string): string => `/kv/${segment(key)}`

function invariantStable(regime: Regime): asserts regime is Stable {
  invariant(regime.type === 'stable', 'a migration started while another was running')
}

function describeChange(before: Membership, after: Membership): MigrationReport['change'] {
  const added = after.nodes.find((n) => !before.nodes.includes(n))
  if (added) return {type: 'add', name: added}
  const removed = before.nodes.find((n) => !after.nodes.includes(n))
  return {type: 'remove', name: removed ?? ''}
}
