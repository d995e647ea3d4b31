import {request} from 'undici'

import {PreflightError} from './workload.js'

const PREFLIGHT_TIMEOUT_MS = 2_000

/** One GET before any load; an unreachable target or a 404 is a PreflightError naming it. */
export async function preflightGet(url: string): Promise<{status: number; body: string}> {
  try {
    const res = await request(url, {headersTimeout: PREFLIGHT_TIMEOUT_MS, bodyTimeout: PREFLIGHT_TIMEOUT_MS, signal: AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS)})
    const body = await res.body.text()
    if (res.statusCode === 404) throw new PreflightError(`GET ${url} answered 404: nothing is served there`)
    return {status: res.statusCode, body}
  } catch (err) {
    if (err instanceof PreflightError) throw err
    const cause = (err as {cause?: Error}).cause?.message ?? (err as Error).message
    throw new PreflightError(`cannot reach ${new URL(url).origin}: ${cause}`)
  }
}

/** GET /health of a dsys node, which must be of `kind` or one of the kinds (a lock server must not be benchmarked as a KV store). */
export async function preflightNode(url: string, kind: string | readonly string[], what: string): Promise<Record<string, unknown>> {
  const {status, body} = await preflightGet(`${url.replace(/\/$/, '')}/health`)
  let health: {kind?: unknown} | undefined
  try {
    health = JSON.parse(body) as {kind?: unknown}
  } catch {
    // not JSON: not a dsys node
  }
  if (status !== 200 || typeof health?.kind !== 'string') throw new PreflightError(`${url} is not a dsys node (GET /health answered ${status}); expected a ${what}`)
  if (typeof kind === 'string' ? health.kind !== kind : !kind.includes(health.kind)) throw new PreflightError(`${url} is a ${health.kind}, not a ${what}`)
  return health as Record<string, unknown>
}
