import {openTransport, Transport, TransportName} from '../../runtime/net/transport.js'

import {preflightGet} from '../preflight.js'
import {OpError, Operation, Workload, WorkloadRecipe} from '../workload.js'

/**
 * GET one URL: the harness's calibration workload. Run against a trivial
 * endpoint beside autocannon or wrk, it shows whether the driver itself is
 * the bottleneck.
 */
export class HttpGetWorkload implements Workload {
  readonly name = 'http'
  readonly metrics = ['get']
  private readonly http: Transport
  private readonly path: string

  constructor(
    readonly target: string,
    clients: number,
    private readonly transport: TransportName = 'undici',
  ) {
    const url = new URL(target)
    this.path = url.pathname + url.search
    this.http = openTransport(url.origin, {connections: clients, transport})
  }

  get recipe(): WorkloadRecipe {
    return {kind: 'http', url: this.target, transport: this.transport}
  }

  async preflight(): Promise<void> {
    await preflightGet(this.target)
  }

  async createClient(): Promise<Operation> {
    return async () => {
      let status: number
      try {
        status = (await this.http.request({method: 'GET', path: this.path})).status
      } catch (err) {
        throw new OpError('unavailable', (err as Error).message)
      }
      if (status >= 400) throw new OpError(`http-${status}`)
      return 'get'
    }
  }

  close(): Promise<void> {
    return this.http.close()
  }
}
