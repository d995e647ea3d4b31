import {HttpError} from '../../runtime/net/http-error.js'
import {JsonClient, type JsonResponse} from '../../runtime/net/json-client.js'

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE'

/** One keep-alive undici pool per shard, with a per-shard count of client requests. */
export class ShardPool {
  private readonly clients = new Map<string, JsonClient>()
  private readonly urls = new Map<string, string>()
  readonly requests = new Map<string, number>()

  constructor(private readonly connections: number) {}

  /** Makes the pool match `urls`: opens new shards, closes those gone. */
  sync(urls: Record<string, string>): void {
    for (const [name, url] of Object.entries(urls)) {
      if (this.urls.get(name) === url) continue
      void this.clients.get(name)?.close()
      this.clients.set(name, new JsonClient(url, {connections: this.connections}))
      this.urls.set(name, url)
      if (!this.requests.has(name)) this.requests.set(name, 0)
    }
    for (const name of [...this.clients.keys()]) {
      if (name in urls) continue
      void this.clients.get(name)?.close()
      this.clients.delete(name)
      this.urls.delete(name)
      this.requests.delete(name)
    }
  }

  /** A client request, counted against the shard; an unreachable shard is a 503. */
  forward<T>(shard: string, method: Method, path: string, body?: unknown): Promise<JsonResponse<T>> {
    this.requests.set(shard, (this.requests.get(shard) ?? 0) + 1)
    return this.call<T>(shard, method, path, body)
  }

  /** A migration request: not counted as client load; anything but 200 is an error. */
  async admin<T>(shard: string, method: Method, path: string, body?: unknown): Promise<T> {
    const res = await this.call<T>(shard, method, path, body)
    if (res.status !== 200) throw new HttpError(502, `shard ${shard} answered ${method} ${path} with ${res.status}: ${JSON.stringify(res.body)}`)
    return res.body
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()))
  }

  private async call<T>(shard: string, method: Method, path: string, body?: unknown): Promise<JsonResponse<T>> {
    const client = this.clients.get(shard)
    if (!client) throw new HttpError(503, `shard ${shard} is not a member`)
    try {
      return await client.request<T>(method, path, body)
    } catch (err) {
      throw new HttpError(503, `shard ${shard} at ${this.urls.get(shard)} did not answer ${method} ${path}: ${(err as Error).message}`)
    }
  }
}
