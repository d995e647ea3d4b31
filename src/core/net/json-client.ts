import {Pool} from 'undici'

import {dispatchRequest, RawResponse} from './dispatch-request.js'

export interface JsonResponse<T = unknown> {
  status: number
  body: T
  raw: RawResponse
}

export interface JsonClientOptions {
  /** Keep-alive connections in the pool; long-polls each hold one, so size it to the concurrency. */
  connections?: number
  /** Bound on waiting for response headers; long-polls must pass a larger one per request. */
  headersTimeoutMs?: number
  bodyTimeoutMs?: number
}

/** A JSON-over-HTTP client on an undici keep-alive pool. */
export class JsonClient {
  private readonly pool: Pool

  constructor(
    readonly baseUrl: string,
    options: JsonClientOptions = {},
  ) {
    this.pool = new Pool(baseUrl, {
      connections: options.connections ?? 16,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: options.headersTimeoutMs ?? 30_000,
      bodyTimeout: options.bodyTimeoutMs ?? 30_000,
    })
  }

  async request<T = unknown>(
    method: 'GET' | 'PUT' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    opts: {signal?: AbortSignal; headersTimeoutMs?: number} = {},
  ): Promise<JsonResponse<T>> {
    const res = await dispatchRequest(this.pool, {
      method,
      path,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: opts.signal,
      headersTimeoutMs: opts.headersTimeoutMs,
    })
    return {status: res.status, body: (res.body.length > 0 ? JSON.parse(res.body.toString('utf8')) : undefined) as T, raw: res}
  }

  close(): Promise<void> {
    return this.pool.close()
  }
}

/** Percent-encodes a key or lock name as one path segment. */
export const segment = (name: string): string => encodeURIComponent(name)
