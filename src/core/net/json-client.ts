import {Pool} from 'undici'

import {dispatchRequest, RawRequest, RawResponse} from './dispatch-request.js'
import {RawHttpClient} from './raw-http-client.js'

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
  /**
   * undici (the default) or dsys's raw-socket client, which the load driver
   * uses where the client's own cost per request would be what it measures.
   */
  transport?: 'undici' | 'raw'
}

/** A JSON-over-HTTP client on a keep-alive pool. */
export class JsonClient {
  private readonly send: (req: RawRequest) => Promise<RawResponse>
  readonly close: () => Promise<void>

  constructor(
    readonly baseUrl: string,
    options: JsonClientOptions = {},
  ) {
    const connections = options.connections ?? 16
    if (options.transport === 'raw') {
      const raw = new RawHttpClient(baseUrl, {connections, timeoutMs: options.headersTimeoutMs ?? 30_000})
      this.send = (req) => raw.request(req)
      this.close = () => raw.close()
      return
    }
    const pool = new Pool(baseUrl, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: options.headersTimeoutMs ?? 30_000,
      bodyTimeout: options.bodyTimeoutMs ?? 30_000,
    })
    this.send = (req) => dispatchRequest(pool, req)
    this.close = () => pool.close()
  }

  async request<T = unknown>(
    method: 'GET' | 'PUT' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    opts: {signal?: AbortSignal; headersTimeoutMs?: number} = {},
  ): Promise<JsonResponse<T>> {
    const res = await this.send({
      method,
      path,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: opts.signal,
      headersTimeoutMs: opts.headersTimeoutMs,
    })
    return {status: res.status, body: (res.body.length > 0 ? JSON.parse(res.body.toString('utf8')) : undefined) as T, raw: res}
  }
}

/** Percent-encodes a key or lock name as one path segment. */
export const segment = (name: string): string => encodeURIComponent(name)
