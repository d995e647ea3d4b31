import {request} from 'undici'

import {isNodeAlive, sleep} from './processes.js'
import type {NodeRecord} from './cluster-state.js'

export type Health = Record<string, unknown> & {kind: string; id: string}

/** GET /health, or undefined when the node does not answer within `timeoutMs`. */
export async function fetchHealth(url: string, timeoutMs = 1000): Promise<Health | undefined> {
  try {
    const res = await request(`${url}/health`, {headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs)})
    const body = await res.body.json()
    return res.statusCode === 200 ? (body as Health) : undefined
  } catch {
    return undefined
  }
}

/** A node that did not come up: `what` went wrong, the rest of the message says where to look. */
export class NodeStartError extends Error {
  constructor(
    readonly node: NodeRecord,
    readonly what: string,
  ) {
    super(`node ${node.name} (${node.kind}) ${what}; see its log: ${node.logPath}`)
  }
}

/** Waits until the node answers /health; fails early if its process died. */
export async function waitHealthy(node: NodeRecord, timeoutMs: number): Promise<Health> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const health = await fetchHealth(node.url, 500)
    if (health) return health
    if (!isNodeAlive(node.pid, node.configPath)) {
      throw new NodeStartError(node, 'exited before it became healthy')
    }
    if (Date.now() > deadline) {
      throw new NodeStartError(node, `did not become healthy at ${node.url} within ${timeoutMs}ms`)
    }
    await sleep(50)
  }
}
