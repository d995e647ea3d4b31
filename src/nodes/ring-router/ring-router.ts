import {badRequest, conflict, notFound} from '../../runtime/net/http-error.js'
import type {Env} from '../../runtime/env/env.js'
import type {Logger} from '../../runtime/net/node-log.js'
import {type LivePlacementConfig, livePlacement, type Membership, type MembershipRequest, planMembership} from '../../core/ring-live/index.js'
import type {MigrationReport} from '../../core/ring-live/migration-report.js'
import {PlacementInputError} from '../../core/ring/index.js'
import {KeyMutex} from './key-mutex.js'
import {KeyRouter, type KvReply} from './key-router.js'
import {migrate, type MigrationDeps} from './migration.js'
import {type RouterState, writeRouterState} from './router-state.js'
import {ShardPool} from './shard-pool.js'

/**
 * The ring router: forwards /kv requests to the shard that owns the key
 * (key-router.ts) and changes membership while serving, one migration at a
 * time (migration.ts). The membership, and a migration that has started, are
 * durable in router-state.json; a restart resumes the migration.
 */
export class RingRouter {
  private readonly pool = new ShardPool(64)
  private readonly router: KeyRouter
  private readonly migration: MigrationDeps
  private current: MigrationReport | null = null
  private last: MigrationReport | null = null
  private closed = false

  constructor(
    private readonly env: Env,
    private readonly dataDir: string,
    private state: RouterState,
    private readonly config: LivePlacementConfig,
    private readonly log: Logger,
  ) {
    this.pool.sync({...state.membership.urls, ...state.migratingTo?.urls})
    const locks = new KeyMutex()
    this.router = new KeyRouter(this.pool, locks, livePlacement(state.membership.nodes, config))
    this.migration = {env, log, pool: this.pool, locks, router: this.router, config, stopped: () => this.closed}
    if (state.migratingTo) {
      log.info('resuming the migration a restart interrupted', {to: state.migratingTo.nodes})
      this.startMigration(state.migratingTo, describeChange(state.membership, state.migratingTo), state.migrations)
    }
  }

  get(key: string): Promise<KvReply> {
    return this.router.get(key)
  }

  put(key: string, value: string): Promise<KvReply> {
    return this.router.put(key, value)
  }

  delete(key: string): Promise<KvReply> {
    return this.router.delete(key)
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
    await writeRouterState(this.dataDir, this.state, this.env.disk)
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

  private startMigration(to: Membership, change: MigrationReport['change'], id: number): MigrationReport {
    const report: MigrationReport = {
      id,
      change,
      before: this.state.membership.nodes,
      after: to.nodes,
      phase: 'draining',
      startedAt: new Date(this.env.wallNow()).toISOString(),
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
    const commit = () => {
      this.state = {...this.state, membership: to, migratingTo: null}
      return writeRouterState(this.dataDir, this.state, this.env.disk)
    }
    migrate(this.migration, to, report, commit).then(
      () => {
        this.pool.sync(to.urls)
        this.current = null
        this.last = report
        this.log.info('migration done', {...report, prediction: report.prediction?.moved})
      },
      (err) => {
        // Only a shutdown ends a migration early; a restart resumes it.
        report.lastError = (err as Error).message
        this.log.error('migration stopped', {id, error: (err as Error).stack ?? String(err)})
      },
    )
    return report
  }
}

function describeChange(before: Membership, after: Membership): MigrationReport['change'] {
  const added = after.nodes.find((n) => !before.nodes.includes(n))
  if (added) return {type: 'add', name: added}
  const removed = before.nodes.find((n) => !after.nodes.includes(n))
  return {type: 'remove', name: removed ?? ''}
}
