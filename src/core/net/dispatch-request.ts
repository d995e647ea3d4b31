import type {Dispatcher} from 'undici'

export interface RawRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE'
  path: string
  body?: string
  headers?: Record<string, string>
  signal?: AbortSignal
  headersTimeoutMs?: number
}

/** Status, body and the unparsed header list: most callers never read a header, so none is parsed until asked. */
export class RawResponse {
  constructor(
    readonly status: number,
    readonly body: Buffer,
    private readonly rawHeaders: Buffer[],
  ) {}

  header(name: string): string | undefined {
    for (let i = 0; i < this.rawHeaders.length; i += 2) {
      if (this.rawHeaders[i].toString('latin1').toLowerCase() === name) return this.rawHeaders[i + 1].toString('latin1')
    }
    return undefined
  }
}

const JSON_HEADERS = ['content-type', 'application/json']

/**
 * One request through undici's low-level dispatch API, collecting the body
 * into a Buffer. It skips the stream machinery of `request()`: with it the
 * harness reached 0.64 of autocannon's requests/s on a trivial endpoint,
 * without it 0.89 (same run, two cores shared with the server). The handler
 * is undici's native (legacy) shape: the newer `onResponseStart` shape is
 * wrapped per request and has every response's headers parsed into an object.
 */
export function dispatchRequest(dispatcher: Dispatcher, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let status = 0
    let rawHeaders: Buffer[] = []
    const chunks: Buffer[] = []
    dispatcher.dispatch(
      {
        origin: undefined as unknown as string,
        method: req.method,
        path: req.path,
        body: req.body,
        headers: req.body === undefined ? req.headers : req.headers ? {'content-type': 'application/json', ...req.headers} : JSON_HEADERS,
        signal: req.signal,
        headersTimeout: req.headersTimeoutMs,
      } as Dispatcher.DispatchOptions,
      {
        onConnect() {},
        onHeaders(statusCode: number, headers: Buffer[]) {
          status = statusCode
          rawHeaders = headers
          return true
        },
        onData(chunk: Buffer) {
          chunks.push(chunk)
          return true
        },
        onComplete() {
          resolve(new RawResponse(status, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), rawHeaders))
        },
        onError(error: Error) {
          reject(error)
        },
      },
    )
  })
}
