import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {failStop} from '../runtime/net/fail-stop.js'
import {JsonServer, Route} from '../runtime/net/json-server.js'
import {fileLogger, Logger} from '../runtime/net/node-log.js'
import {Partition, PARTITION_PATH} from '../runtime/net/partition.js'
import {parseBody} from '../runtime/net/validate.js'
import {NODE_LOG_FILE, NodeConfig} from '../runtime/cluster/node-config.js'

export interface NodeApp {
  routes: Route[]
  /** Role-specific state for GET /health (kind and id are added). */
  health(): Record<string, unknown>
  maxBodyBytes?: number
  /** Flush and close durable state on graceful shutdown. */
  close?(): Promise<void>
  /** Set by nodes that exchange peer messages: `dsys cluster partition` then reaches them through PUT /admin/partition. */
  partition?: Partition
}

const DEFAULT_MAX_BODY_BYTES = 1 << 20
const SHUTDOWN_GRACE_MS = 5_000

/**
 * The one entry path of every node process: read node.json, build the app,
 * serve it with GET /health, and shut down cleanly on SIGTERM.
 */
export async function runNode(kind: string, build: (config: NodeConfig, log: Logger) => Promise<NodeApp>): Promise<void> {
  const configPath = process.argv[2]
  if (!configPath) {
    process.stderr.write(`usage: node ${kind}/main.js <node.json>\n`)
    process.exit(2)
  }
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as NodeConfig
  const log = fileLogger(join(config.dataDir, NODE_LOG_FILE), {kind, id: config.id})
  // Fail-stop everywhere: a bug in a timer or an async path ends the process as one on the request path does.
  process.on('uncaughtException', (err) => failStop(log, 'uncaught exception', err))
  process.on('unhandledRejection', (err) => failStop(log, 'unhandled rejection', err))

  const app = await build(config, log)
  const server = new JsonServer({
    maxBodyBytes: app.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    routes: [{method: 'GET', path: '/health', handler: () => ({body: {kind, id: config.id, pid: process.pid, ...health(app)}})}, ...partitionRoutes(app, log), ...app.routes],
    onBug: (err, req) => failStop(log, 'request handler failed', err, {method: req.method, target: req.target}),
  })
  const address = await server.listen(config.port, config.host)
  log.info('listening', {host: address.address, port: address.port, pid: process.pid})

  let stopping = false
  process.on('SIGTERM', () => {
    if (stopping) return
    stopping = true
    log.info('SIGTERM: shutting down')
    setTimeout(() => {
      log.error('shutdown grace period passed, exiting')
      process.exit(1)
    }, SHUTDOWN_GRACE_MS).unref()
    void (async () => {
      // The app answers its long-polls first; then any connection left is cut.
      await app.close?.()
      const closed = server.close()
      server.closeAllConnections()
      await closed
      log.info('stopped')
      process.exit(0)
    })()
  })
}

function health(app: NodeApp): Record<string, unknown> {
  return app.partition ? {...app.health(), partitionedFrom: app.partition.cutOff, partitionDropped: app.partition.dropped} : app.health()
}

function partitionRoutes(app: NodeApp, log: Logger): Route[] {
  const partition = app.partition
  if (!partition) return []
  return [
    {
      method: 'PUT',
      path: PARTITION_PATH,
      handler: ({body}) => {
        const req = parseBody(body, {cutOffFrom: {type: 'strings', maxItems: 1000, maxLength: 256}})
        partition.cutOffFrom(req.cutOffFrom)
        log.info(req.cutOffFrom.length > 0 ? 'partitioned' : 'healed', {cutOffFrom: partition.cutOff})
        return {body: {partitionedFrom: partition.cutOff}}
      },
    },
  ]
}
