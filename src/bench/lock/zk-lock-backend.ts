import type {Socket} from 'node:net'

import zookeeper, {type Client} from 'node-zookeeper-client'

import {tcpExchange, type TcpAnswer} from '../../runtime/cluster/peers/peer-kind.js'
import {OpError, PreflightError, type LockBackendRecipe} from '../workload.js'
import {hostList, type Grant, type LockBackend} from './lock-backend.js'

/** Every lock is a parent node under this one. */
const LOCK_ROOT = '/dsys-locks'
/** How long opening a session may take before the ensemble counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5_000
/** How long the preflight waits for a server's answer to a four-letter word. */
const PREFLIGHT_TIMEOUT_MS = 2_000
/** Tries of a create or delete whose reply was lost (connection loss) before giving up. */
const MAX_RETRIES = 3
/** ZooKeeper appends a 10-digit counter to a sequential node's name. */
const SEQUENCE_DIGITS = 10
const LOCK_NODE = new RegExp(`-lock-\\d{${SEQUENCE_DIGITS}}$`)

/** The counter ZooKeeper appended to a sequential node's name: it strictly increases among the children of one parent. */
export function sequenceOf(node: string): number {
  return Number(node.slice(-SEQUENCE_DIGITS))
}

/**
 * The lock node `prefix` (this session's) among a lock's children. After a
 * create whose reply was lost (ZOOKEEPER-1262) the node may exist though the
 * client never learned its name: finding it by the session's prefix keeps the
 * client from queueing a second node that would wait behind its own.
 */
export function ownNode(children: readonly string[], prefix: string): string | undefined {
  return children.find((c) => c.startsWith(prefix) && LOCK_NODE.test(c))
}

/**
 * The node just ahead of `own` in the lock's queue (the one with the next
 * lower sequence), the only one a waiter watches: a release then wakes one
 * waiter, not the herd. Undefined when `own` is first: the lock is its.
 */
export function predecessorOf(children: readonly string[], own: string): string | undefined {
  const mine = sequenceOf(own)
  let best: string | undefined
  for (const c of children) {
    if (!LOCK_NODE.test(c)) continue
    const seq = sequenceOf(c)
    if (seq < mine && (best === undefined || seq > sequenceOf(best))) best = c
  }
  return best
}

/**
 * ZooKeeper's lock recipe (Curator's InterProcessMutex) with
 * node-zookeeper-client, one session per client: an ephemeral sequential node
 * /dsys-locks/<name>/<sessionId>-lock-<seq>; the lowest sequence holds the
 * lock, every other waiter watches only its predecessor.
 *
 * - The fencing token is the node's sequence number, which strictly increases
 *   per lock parent (parents are never deleted) in the order of grants.
 * - The lease is the session: ttlMs is asked for as the session timeout,
 *   which the server bounds by its minSessionTimeout and maxSessionTimeout
 *   (2 and 20 ticks by default). The client pings while it lives, so a holder
 *   keeps the lock until it releases or its session expires; expiresAt is the
 *   lower bound of that expiry: when the request that saw the grant was sent,
 *   plus the negotiated timeout.
 * - At waitMs the waiter deletes its node and gives up.
 * - Release deletes the node.
 */
export class ZkLockBackend implements LockBackend {
  readonly fencing = true
  readonly tokenKind = 'sequence'
  private readonly connectionString: string
  private readonly sessions = new Map<number, Promise<ZkSession>>()

  constructor(readonly target: string) {
    this.connectionString = hostList(target, 'zk').join(',')
  }

  get recipe(): LockBackendRecipe {
    return {kind: 'zookeeper', target: this.target}
  }

  /**
   * ZooKeeper's `srvr` four-letter word to each server: one must answer as
   * ZooKeeper (so a Redis or etcd given as zk:// fails here); then one session
   * that makes the lock root.
   */
  async preflight(): Promise<void> {
    const answers = await Promise.all(this.connectionString.split(',').map(async (host) => ({host, answer: await fourLetterWord(host, 'srvr')})))
    if (!answers.some(({answer}) => answer.ok && answer.text.startsWith('Zookeeper version'))) {
      const {host, answer} = answers[0]
      // Not ok: refused, or a server of another kind that kept the connection (Redis answers an error and waits).
      if (!answer.ok) throw new PreflightError(`no ZooKeeper answers at ${host}: ${answer.reason}`)
      throw new PreflightError(`${host} does not answer as ZooKeeper (srvr answered ${JSON.stringify(answer.text.slice(0, 60))})`)
    }
    // Any session timeout: this session lives for one mkdirp.
    const session = await ZkSession.open(this.connectionString, CONNECT_TIMEOUT_MS).catch((err: Error) => {
      throw new PreflightError(`cannot open a ZooKeeper session at ${this.connectionString}: ${err.message}`)
    })
    try {
      await session.mkdirp(LOCK_ROOT)
    } finally {
      session.close()
    }
  }

  async acquire(client: number, name: string, _owner: string, ttlMs: number, waitMs: number): Promise<Grant | undefined> {
    const started = Date.now()
    const deadline = started + waitMs
    let session = await this.session(client, ttlMs)
    if (session.expired) {
      this.drop(client, session)
      session = await this.session(client, ttlMs)
    }
    try {
      const parent = `${LOCK_ROOT}/${encodeURIComponent(name)}`
      const own = await enqueue(session, parent)
      for (;;) {
        const askedAt = Date.now()
        const children = await session.children(parent)
        if (!children.includes(own)) throw new OpError('lease-lost', `ZooKeeper: the lock node of ${name} vanished while waiting (session expired)`)
        const predecessor = predecessorOf(children, own)
        if (predecessor === undefined) return {token: sequenceOf(own), expiresAt: askedAt + session.timeoutMs, waitedMs: Date.now() - started, secret: `${parent}/${own}`}
        // A wait is bounded by the session timeout too, so a watch lost with a connection cannot strand it.
        const woke = await session.deleted(`${parent}/${predecessor}`, Math.min(deadline, Date.now() + session.timeoutMs))
        if (!woke && Date.now() >= deadline) {
          await this.remove(session, `${parent}/${own}`)
          return undefined
        }
      }
    } catch (err) {
      throw this.failure(client, session, err)
    }
  }

  async release(client: number, _name: string, _owner: string, grant: Grant): Promise<boolean> {
    // Without the session that made the node, the node is gone with it.
    const session = await this.sessions.get(client)?.catch(() => undefined)
    if (!session) return false
    try {
      return await this.remove(session, grant.secret!)
    } catch (err) {
      if (!session.expired) throw this.failure(client, session, err)
      // The node went with the session: the lease was lost before this release.
      this.drop(client, session)
      return false
    }
  }

  /** The session's pings wait in its socket for `ms`: the server hears nothing and expires the session after its timeout. */
  stall(client: number, ms: number): void {
    void this.sessions.get(client)?.then(
      (session) => session.stall(ms),
      () => {},
    )
  }

  async close(): Promise<void> {
    const sessions = await Promise.allSettled(this.sessions.values())
    for (const s of sessions) if (s.status === 'fulfilled') s.value.close()
    this.sessions.clear()
  }

  /** The client's session, opened at its first acquire with ttlMs as the timeout asked for; a new one after it expired. */
  private session(client: number, ttlMs: number): Promise<ZkSession> {
    let session = this.sessions.get(client)
    if (!session) {
      session = ZkSession.open(this.connectionString, ttlMs)
      session.catch(() => this.sessions.delete(client))
      this.sessions.set(client, session)
    }
    return session
  }

  /**
   * Deletes a lock node of this session. True when this call (or a try of it
   * whose reply was lost) deleted it; false when it was already gone, i.e.
   * the session expired: nothing else deletes a live session's node.
   */
  private async remove(session: ZkSession, path: string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await session.remove(path)
        return true
      } catch (err) {
        if (zkCode(err) === zookeeper.Exception.NO_NODE) return attempt > 1 && !session.expired
        if (zkCode(err) !== zookeeper.Exception.CONNECTION_LOSS || attempt >= MAX_RETRIES) throw err
      }
    }
  }

  /** Forgets an expired session: the client's next acquire opens a new one. */
  private drop(client: number, session: ZkSession): void {
    session.close()
    this.sessions.delete(client)
  }

  /**
   * An error as the report counts it. An expired session is dropped (the
   * client's next acquire opens a new one), and so is one that lost touch
   * with the ensemble: a request it gave up on may still make a lock node,
   * which would block the lock for as long as the session lived.
   */
  private failure(client: number, session: ZkSession, err: unknown): Error {
    if (session.expired) {
      this.drop(client, session)
      return new OpError('lease-lost', `ZooKeeper session expired: ${(err as Error).message}`)
    }
    const unavailable = (err instanceof OpError && err.kind === 'unavailable') || zkCode(err) === zookeeper.Exception.CONNECTION_LOSS
    if (unavailable) this.drop(client, session)
    if (err instanceof OpError) return err
    return new OpError(unavailable ? 'unavailable' : 'zookeeper', (err as Error).message)
  }
}

/** What enqueue needs of a session. */
export type QueueSession = Pick<ZkSession, 'prefix' | 'createSequential' | 'children' | 'mkdirp'>

/**
 * Creates this session's node in a lock's queue and returns its name, once
 * even when a create's reply is lost: after a connection loss the create may
 * have happened (ZOOKEEPER-1262), so the session looks for its own node
 * before it creates another. A missing lock parent is made first.
 */
export async function enqueue(session: QueueSession, parent: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await session.createSequential(`${parent}/${session.prefix}`)
    } catch (err) {
      if (zkCode(err) === zookeeper.Exception.NO_NODE) {
        await session.mkdirp(parent)
        continue
      }
      if (zkCode(err) !== zookeeper.Exception.CONNECTION_LOSS || attempt >= MAX_RETRIES) throw err
      const own = ownNode(await session.children(parent), session.prefix)
      if (own) return own
    }
  }
}

function zkCode(err: unknown): number | undefined {
  return err instanceof zookeeper.Exception ? err.getCode() : undefined
}

/** One ZooKeeper session: the client calls the recipe needs, as promises. */
export class ZkSession {
  /** Set when the server expired the session: its ephemeral nodes are gone. */
  expired = false
  /** Every lock node of this session starts with it, so the session can find its own after a lost create. */
  readonly prefix: string

  private constructor(private readonly zk: Client) {
    this.prefix = `${zk.getSessionId().toString('hex')}-lock-`
    zk.on('expired', () => (this.expired = true))
  }

  static open(connectionString: string, sessionTimeoutMs: number): Promise<ZkSession> {
    const zk = zookeeper.createClient(connectionString, {sessionTimeout: sessionTimeoutMs, spinDelay: 100, retries: 1})
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        zk.close()
        reject(new OpError('unavailable', `no ZooKeeper session at ${connectionString} within ${CONNECT_TIMEOUT_MS}ms`))
      }, CONNECT_TIMEOUT_MS)
      zk.once('connected', () => {
        clearTimeout(timer)
        resolve(new ZkSession(zk))
      })
      zk.connect()
    })
  }

  /** The session timeout the server granted. */
  get timeoutMs(): number {
    return this.zk.getSessionTimeout()
  }

  /** Creates an ephemeral sequential node; resolves with its name (not its path). */
  async createSequential(path: string): Promise<string> {
    const created = await this.request<string>((done) => this.zk.create(path, zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL, done))
    return created.slice(created.lastIndexOf('/') + 1)
  }

  children(path: string): Promise<string[]> {
    return this.request((done) => this.zk.getChildren(path, done))
  }

  async mkdirp(path: string): Promise<void> {
    await this.request((done) => this.zk.mkdirp(path, done))
  }

  async remove(path: string): Promise<void> {
    await this.request((done) => this.zk.remove(path, -1, (err) => done(err, undefined)))
  }

  /**
   * One request, bounded by the session timeout: the client library queues
   * requests while it has no server and has no timeout of its own, so without
   * this bound an acquire would wait as long as the ensemble is away. The
   * request may still run later; the caller ends the session then (failure()),
   * so a lock node it makes goes with it.
   */
  private request<T>(send: (done: (err: Error | zookeeper.Exception | null, result: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new OpError('unavailable', `ZooKeeper: no answer within the session timeout (${this.timeoutMs}ms)`)), this.timeoutMs)
      send((err, result) => {
        clearTimeout(timer)
        if (err) reject(err)
        else resolve(result)
      })
    })
  }

  /** Resolves true once `path` is gone (or when its watch fires), false when `untilMs` comes first. */
  deleted(path: string, untilMs: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(false), Math.max(0, untilMs - Date.now()))
      const done = (): void => {
        clearTimeout(timer)
        resolve(true)
      }
      this.zk.exists(path, done, (err, stat) => {
        if (err) {
          clearTimeout(timer)
          reject(err)
        } else if (!stat) done()
      })
    })
  }

  /** Holds every write, pings included, for `ms` (the client library has no pause of its own: its connection is reached into). */
  stall(ms: number): void {
    const socket = (this.zk as unknown as {connectionManager?: {socket?: Socket}}).connectionManager?.socket
    if (!socket) throw new Error('node-zookeeper-client has no connectionManager.socket: the stall cannot reach the session')
    socket.cork()
    setTimeout(() => socket.uncork(), ms)
  }

  close(): void {
    this.zk.close()
  }
}

/** A four-letter word's answer, or why there is none. */
function fourLetterWord(host: string, word: string): Promise<TcpAnswer> {
  const colon = host.lastIndexOf(':')
  return tcpExchange(host.slice(0, colon), Number(host.slice(colon + 1)), word, PREFLIGHT_TIMEOUT_MS)
}
