import {JsonClient, segment} from '../../runtime/net/json-client.js'
import type {KvTargetClient, KvTarget} from '../kv/kv-target.js'
import {preflightNode} from '../preflight.js'
import {OpError, type KvTargetRecipe} from '../workload.js'

/** The ring router as a KV target: one keep-alive pool shared by the clients; a read of an absent key is a success. */
export class RouterKvTarget implements KvTarget {
  readonly name = 'dsys'
  private readonly router: JsonClient

  constructor(
    private readonly routerUrl: string,
    clients: number,
  ) {
    this.router = new JsonClient(routerUrl, {connections: clients})
  }

  get recipe(): KvTargetRecipe {
    return {kind: 'router', url: this.routerUrl}
  }

  async preflight(): Promise<void> {
    await preflightNode(this.routerUrl, 'ring-router', 'ring router')
  }

  client(): KvTargetClient {
    return {
      get: async (key) => expect(await this.call('GET', key), [200, 404]),
      put: async (key, value) => expect(await this.call('PUT', key, {value}), [200]),
    }
  }

  /** Server-side cost counters: the ring reports per-shard load instead (see RingWorkload). */
  async counters(): Promise<Record<string, number>> {
    return {}
  }

  close(): Promise<void> {
    return this.router.close()
  }

  private async call(method: 'GET' | 'PUT', key: string, body?: unknown): Promise<{status: number; body: unknown}> {
    try {
      return await this.router.request(method, `/kv/${segment(key)}`, body)
    } catch (err) {
      throw new OpError('unavailable', (err as Error).message)
    }
  }
}

function expect(res: {status: number; body: unknown}, ok: number[]): void {
  if (!ok.includes(res.status)) throw new OpError(`http-${res.status}`, JSON.stringify(res.body))
}
