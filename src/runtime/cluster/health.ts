import {request} from 'undici'

import {peerKind} from './peers/peers.js'
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

/** What the node says about itself: a dsys node's /health, a peer's own probe; undefined when it does not serve. */
export function probeHealth(node: NodeRecord, timeoutMs = 1000): Promise<Health | undefined> {
  return peerKind(node.kind)?.probe(node, timeoutMs) ?? fetchHealth(node.url, timeoutMs)
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

/**
 * Waits until the node serves (probeHealth); fails early if its process
 * died. A peer gets at least its kind's start time, whoever asks (a
 * restart, the nemesis).
 */
export async function waitHealthy(node: NodeRecord, timeoutMs: number): Promise<Health> {
  const allowedMs = Math.max(timeoutMs, peerKind(node.kind)?.startMs ?? 0)
  const deadline = Date.now() + allowedMs
  for (;;) {
    const health = await probeHealth(node, 500)
    if (health) return health
    if (!isNodeAlive(node.pid, node.configPath)) {
      throw new NodeStartError(node, 'exited before it became healthy')
    }
    if (Date.now() > deadline) {
      throw new NodeStartError(node, `did not become healthy at ${node.url} within ${allowedMs}ms`)
    }
    await sleep(50)
  }
}
