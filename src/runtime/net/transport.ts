import {Pool} from 'undici'

import {dispatchRequest, RawRequest, RawResponse} from './dispatch-request.js'
import {RawHttpClient} from './raw-http-client.js'

/**
 * undici (the default), or dsys's raw-socket client, which the load driver
 * uses where the client's own cost per request would be what it measures.
 */
export const TRANSPORTS = ['undici', 'raw'] as const
export type TransportName = (typeof TRANSPORTS)[number]

/** One keep-alive pool of HTTP/1.1 connections to one origin. */
export interface Transport {
  request(req: RawRequest): Promise<RawResponse>
  /** Lets requests in flight finish; later ones fail. */
  close(): Promise<void>
  /** Ends every connection now: requests in flight fail. */
  destroy(): Promise<void>
}

export interface TransportOptions {
  transport?: TransportName
  /** Keep-alive connections in the pool; long-polls each hold one, so size it to the concurrency. */
  connections: number
  /** Bound on waiting for response headers (the whole response, on the raw client); long-polls pass a larger one per request. */
  headersTimeoutMs?: number
  bodyTimeoutMs?: number
}

export function openTransport(origin: string, options: TransportOptions): Transport {
  const headersTimeout = options.headersTimeoutMs ?? 30_000
  if (options.transport === 'raw') return new RawHttpClient(origin, {connections: options.connections, timeoutMs: headersTimeout})
  const pool = new Pool(origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout,
    bodyTimeout: options.bodyTimeoutMs ?? 30_000,
  })
  return {request: (req) => dispatchRequest(pool, req), close: () => pool.close(), destroy: () => pool.destroy()}
}
