import {type AddressInfo, createServer, type Server} from 'node:net'

import {HttpAnswer, HttpConnection, HttpRequest} from './http-connection.js'
import {errorBody, HttpError} from './http-error.js'

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE'

export interface RouteRequest {
  params: Record<string, string>
  /** The parsed JSON body; undefined when the request had none. */
  body: unknown
  /** Calls `listener` if the client goes away before the answer: long-polls must stop waiting. */
  onAbort(listener: () => void): void
}

export interface HttpReply {
  status?: number
  body?: unknown
  headers?: Record<string, string>
}

export type Handler = (req: RouteRequest) => HttpReply | Promise<HttpReply>

export interface Route {
  method: Method
  /** Path pattern with `:param` segments, e.g. `/locks/:name/acquire`. */
  path: string
  handler: Handler
  /** This route's own bound on a body, instead of the server's (a peer route's large batches beside small client bodies). */
  maxBodyBytes?: number
}

export interface JsonServerOptions {
  routes: Route[]
  maxBodyBytes: number
  /**
   * A handler threw something other than an HttpError: a bug, and the state
   * it was changing may be half-mutated. Must not return: a node process
   * stops (fail-stop.ts). The request gets no answer, never a 500.
   */
  onBug: (err: unknown, req: {method: string; target: string}) => never
}

interface CompiledRoute {
  method: Method
  segments: string[]
  handler: Handler
  maxBodyBytes: number | undefined
}

const KEEP_ALIVE_TIMEOUT_MS = 65_000

/**
 * A small HTTP/JSON server (HTTP/1.1 on node:net, see HttpConnection). Every
 * error answer is `{"error": "..."}`: malformed JSON or request 400, oversize
 * body 413, unknown route 404, wrong method 405, a handler's HttpError its
 * own status. Bad input never reaches past an HttpError; anything else a
 * handler throws is a bug and goes to `onBug`, unanswered.
 */
export class JsonServer {
  private readonly server: Server
  private readonly routes: CompiledRoute[]
  private readonly connections = new Set<HttpConnection>()

  constructor(private readonly options: JsonServerOptions) {
    this.routes = options.routes.map((r) => ({method: r.method, segments: splitPath(r.path), handler: r.handler, maxBodyBytes: r.maxBodyBytes}))
    // Matching a route before each body costs a little: only servers with a route of another bound pay it.
    const perRoute = this.routes.some((r) => r.maxBodyBytes !== undefined && r.maxBodyBytes !== options.maxBodyBytes)
    const connectionOptions = {
      handler: (req: HttpRequest) => this.handle(req),
      maxBodyBytes: perRoute ? (method: string, target: string) => this.bodyLimit(method, target) : options.maxBodyBytes,
      keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
    }
    // Half-open: a client may send FIN right after its requests and still read their answers.
    this.server = createServer({allowHalfOpen: true}, (socket) => {
      const connection = new HttpConnection(socket, connectionOptions)
      this.connections.add(connection)
      socket.once('close', () => this.connections.delete(connection))
    })
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        this.server.off('error', reject)
        resolve(this.server.address() as AddressInfo)
      })
    })
  }

  /** Stops accepting; idle connections close now, busy ones after their answer. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve())
      for (const connection of this.connections) connection.closeGracefully()
    })
  }

  /** Cuts every connection, answered or not. */
  closeAllConnections(): void {
    for (const connection of this.connections) connection.destroy()
  }

  private async handle(req: HttpRequest): Promise<HttpAnswer> {
    try {
      const match = this.match(req)
      if (!('params' in match)) return match
      const reply = await match.route.handler(new IncomingRouteRequest(match.params, parseJson(req.body), req))
      return {status: reply.status ?? 200, body: JSON.stringify(reply.body ?? {ok: true}), headers: reply.headers}
    } catch (err) {
      if (err instanceof HttpError) {
        // A client that sent an oversize body does not get to keep the connection.
        return {status: err.status, body: errorBody(err.message, err.extra), close: err.status === 413}
      }
      return this.options.onBug(err, req)
    }
  }

  private bodyLimit(method: string, target: string): number {
    const segments = splitPath(pathOf(target))
    const route = this.routes.find((r) => r.method === method && fits(r.segments, segments))
    return route?.maxBodyBytes ?? this.options.maxBodyBytes
  }

  /** The route and its path parameters, or the 404/405 answer. */
  private match(req: HttpRequest): {route: CompiledRoute; params: Record<string, string>} | HttpAnswer {
    const pathname = pathOf(req.target)
    const segments = splitPath(pathname)
    let allowed: Method[] | undefined
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments)
      if (!params) continue
      if (route.method === req.method) return {route, params}
      ;(allowed ??= []).push(route.method)
    }
    if (!allowed) throw new HttpError(404, `no route for ${req.method} ${pathname}`)
    const allow = allowed.join(', ')
    return {status: 405, body: errorBody(`method ${req.method} not allowed on ${pathname}; allowed: ${allow}`), headers: {allow}}
  }
}

/**
 * A request as handlers see it. A class, not an object literal with a
 * getter: V8 builds a new shape for each such literal, which cost about 40%
 * of a JSON POST server's throughput (12k → 19–22k/s).
 */
class IncomingRouteRequest implements RouteRequest {
  constructor(
    readonly params: Record<string, string>,
    readonly body: unknown,
    private readonly req: HttpRequest,
  ) {}

  onAbort(listener: () => void): void {
    this.req.onAbort(listener)
  }
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined
  try {
    return JSON.parse(body.toString('utf8'))
  } catch (err) {
    throw new HttpError(400, `malformed JSON body: ${(err as Error).message}`)
  }
}

function pathOf(target: string): string {
  const q = target.indexOf('?')
  return q < 0 ? target : target.slice(0, q)
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0)
}

/** The pattern's literal segments match; its `:param` segments match anything. */
function fits(pattern: string[], segments: string[]): boolean {
  if (pattern.length !== segments.length) return false
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i][0] !== ':' && pattern[i] !== segments[i]) return false
  }
  return true
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | undefined {
  // Literal segments first: a route that does not match allocates and decodes nothing.
  if (!fits(pattern, segments)) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]
    if (p[0] !== ':') continue
    try {
      params[p.slice(1)] = decodeURIComponent(segments[i])
    } catch {
      throw new HttpError(400, `malformed percent-encoding in path segment "${segments[i]}"`)
    }
  }
  return params
}
