import type {RawResponse} from './dispatch-request.js'
import {openTransport, Transport, TransportOptions} from './transport.js'

export interface JsonResponse<T = unknown> {
  status: number
  body: T
  raw: RawResponse
}

export type JsonClientOptions = Partial<TransportOptions>

/** A JSON-over-HTTP client on a keep-alive pool. */
export class JsonClient {
  private readonly transport: Transport

  constructor(
    readonly baseUrl: string,
    options: JsonClientOptions = {},
  ) {
    this.transport = openTransport(baseUrl, {...options, connections: options.connections ?? 16})
  }

  async request<T = unknown>(
    method: 'GET' | 'PUT' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    opts: {signal?: AbortSignal; headersTimeoutMs?: number} = {},
  ): Promise<JsonResponse<T>> {
    const res = await this.transport.request({
      method,
      path,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: opts.signal,
      headersTimeoutMs: opts.headersTimeoutMs,
    })
    return {status: res.status, body: (res.body.length > 0 ? JSON.parse(res.body.toString('utf8')) : undefined) as T, raw: res}
  }

  close(): Promise<void> {
    return this.transport.close()
  }
}

/** Percent-encodes a key or lock name as one path segment. */
export const segment = (name: string): string => encodeURIComponent(name)
