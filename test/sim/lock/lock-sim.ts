import type {Rng} from '../../../src/core/common/rng.js'
import {SeededRng} from '../../../src/core/common/rng.js'
import type {LockEvent} from '../../../src/core/check/mutual-exclusion.js'
import type {LockTableOptions, Reply} from '../../../src/core/lock/types.js'
import {SimDisk} from '../../../src/runtime/env/sim-disk.js'
import {SimEnv, SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'
import {sleep} from '../../../src/runtime/env/sleep.js'
import {ensureDirDurableSync} from '../../../src/runtime/storage/durable-dir.js'
import {LockService} from '../../../src/nodes/lock-server/lock-service.js'
import {LeaseChecker, type LeaseAnswer} from './lease-checker.js'

const DATA_DIR = '/lock-server'
const MAX_TTL_MS = 220

export interface LockSimOptions {
  seed: number
  /** Simulated time the clients run for. */
  durationMs: number
  clients: number
  locks: number
}

export interface LockSimResult {
  /** What the clients saw, for src/core/check's mutual-exclusion checker. */
  history: LockEvent[]
  /** What the server's own answers broke (lease-checker.ts). */
  violations: string[]
  counts: Record<'steps' | 'grants' | 'renewals' | 'releases' | 'timeouts' | 'impatient' | 'lost' | 'pausesPastLease' | 'kills' | 'powerLosses', number>
}

/**
 * One production lock service (the LockService a lock-server process runs,
 * reservation writes included) on a simulated disk, restarted after seeded
 * crashes: a kill (the OS keeps what was written) or a power loss (the disk
 * keeps only what was fsynced, and a seeded part of the rest). Clients talk
 * to it over a simulated network with seeded delays; a request that reaches
 * a dead server is lost, and its client gives up after a timeout, as an HTTP
 * client whose connection dropped.
 */
export async function simulateLockService(opts: LockSimOptions): Promise<LockSimResult> {
  const scheduler = new SimScheduler()
  const rng = new SeededRng(opts.seed)
  const net = new SimEnv(scheduler, opts.seed + 1)
  const counts: LockSimResult['counts'] = {steps: 0, grants: 0, renewals: 0, releases: 0, timeouts: 0, impatient: 0, lost: 0, pausesPastLease: 0, kills: 0, powerLosses: 0}
  const origin = net.wallNow()
  const checker = new LeaseChecker((ms) => `${(ms - origin).toFixed(2)} ms`)
  const history: LockEvent[] = []
  const server = new ServerNode(scheduler, opts.seed, rng)
  const endMs = opts.durationMs

  let flushing = false
  let onGrant: (() => void) | undefined
  const answered = (a: LeaseAnswer, incarnation: number): void => {
    checker.answer({...a, atMs: net.wallNow(), incarnation})
    if (a.type === 'granted') onGrant?.()
    if (!flushing) {
      flushing = true
      // A zero-delay timer runs after every answer of this instant.
      net.setTimer(0, () => {
        flushing = false
        checker.flush()
      })
    }
  }

  /** Sends one request; resolves with the server's reply, or undefined when none came within `timeoutMs`. */
  const request = (send: (service: LockService, onAbort: (listener: () => void) => void) => Promise<Reply>, timeoutMs: number, judge: (reply: Reply, incarnation: number, service: LockService) => void): Promise<Reply | undefined> =>
    new Promise((resolve) => {
      let done = false
      const aborts: Array<() => void> = []
      const giveUp = net.setTimer(timeoutMs, () => {
        done = true
        for (const abort of aborts) abort()
        resolve(undefined)
      })
      net.setTimer(delayMs(rng), () => {
        const {service, incarnation} = server
        if (!service) return
        // The connection drops when the client gives up; a dead server's table hears nothing more (not even before the restart).
        const onAbort = (listener: () => void) => aborts.push(() => server.service === service && listener())
        void send(service, onAbort).then((reply) => {
          judge(reply, incarnation, service)
          net.setTimer(delayMs(rng), () => {
            if (done) return
            done = true
            giveUp.cancel()
            resolve(reply)
          })
        })
      })
    })

  const client = async (id: number): Promise<void> => {
    const owner = `client-${id}`
    const record = (e: Omit<LockEvent, 'process' | 'time'>) => history.push({process: id, time: net.wallNow(), ...e})
    while (net.now() < endMs) {
      const lock = `lock-${rng.int(opts.locks)}`
      const ttlMs = 20 + rng.int(MAX_TTL_MS - 20)
      const waitMs = rng.int(300)
      // Now and then a client goes away while it waits: its request must leave the queue, never be granted.
      const impatient = rng.next() < 0.1
      if (impatient) counts.impatient++
      record({type: 'invoke', f: 'acquire', lock, token: null})
      const grant = await request(
        (s, onAbort) => s.acquire(lock, owner, ttlMs, waitMs, onAbort),
        impatient ? rng.int(waitMs + 1) : waitMs + 1_000,
        (reply, incarnation, service) => {
          if (reply.type === 'granted') answered({type: 'granted', lock, owner, token: reply.token, expiresAt: reply.expiresAt}, incarnation)
          if (reply.type === 'timeout') answered({type: 'timeout', lock, owner, waitedMs: reply.waitedMs, recoveringUntilMs: service.recoveredFrom?.leaseHorizonMs ?? 0}, incarnation)
        },
      )
      if (grant?.type !== 'granted') {
        if (grant?.type === 'timeout') counts.timeouts++
        record(grant ? {type: 'fail', f: 'acquire', lock, token: null, error: grant.type} : {type: 'info', f: 'acquire', lock, token: null})
      } else {
        counts.grants++
        const {token} = grant
        record({type: 'ok', f: 'acquire', lock, token, expiresAt: grant.expiresAt})
        const settle = (reply: Reply, incarnation: number) => {
          if (reply.type === 'renewed') answered({type: 'renewed', lock, owner, token, expiresAt: reply.expiresAt}, incarnation)
          if (reply.type === 'released') answered({type: 'released', lock, owner, token}, incarnation)
          if (reply.type === 'rejected') answered({type: 'refused', lock, owner, token, reason: reply.reason}, incarnation)
        }
        let held = true
        for (let renewals = rng.int(3); held && renewals > 0; renewals--) {
          await hold(ttlMs)
          const renewed = await request((s, onAbort) => s.renew(lock, owner, token, ttlMs, onAbort), 1_000, settle)
          if (renewed?.type === 'renewed') counts.renewals++
          else held = false
        }
        await hold(ttlMs)
        record({type: 'invoke', f: 'release', lock, token})
        const released = await request((s) => s.release(lock, owner, token), 1_000, settle)
        if (released?.type === 'released') counts.releases++
        else if (!released) counts.lost++
        record(released ? {type: released.type === 'released' ? 'ok' : 'fail', f: 'release', lock, token} : {type: 'info', f: 'release', lock, token})
      }
      await sleep(net, rng.int(30))
    }
  }

  /** Works with the lock for a while; now and then pauses past its lease (a GC pause, a stalled VM). */
  const hold = (ttlMs: number): Promise<void> => {
    if (rng.next() < 0.1) {
      counts.pausesPastLease++
      return sleep(net, ttlMs + rng.int(2 * ttlMs))
    }
    return sleep(net, rng.int(ttlMs / 2))
  }

  /** Resolves at the server's next grant, or after a second without one. */
  const nextGrant = (): Promise<void> =>
    new Promise((resolve) => {
      const timer = net.setTimer(1_000, resolve)
      onGrant = () => {
        onGrant = undefined
        timer.cancel()
        resolve()
      }
    })

  const crasher = async (): Promise<void> => {
    while (net.now() < endMs) {
      await sleep(net, 100 + rng.int(2_000))
      // Half the crashes land within a few milliseconds of a grant: while the reservation that covers it may still be on its way to disk.
      if (rng.next() < 0.5) {
        await nextGrant()
        await sleep(net, rng.next() * 4)
      }
      const powerLoss = rng.next() < 0.5
      server.crash(powerLoss)
      if (powerLoss) counts.powerLosses++
      else counts.kills++
      await sleep(net, rng.int(300))
      server.start()
    }
  }

  let running = opts.clients + 1
  const finished = () => void running--
  // Everything starts from a timer, so the scheduler drains what it sets going.
  net.setTimer(0, () => {
    for (let c = 0; c < opts.clients; c++) void client(c).then(finished)
    void crasher().then(finished)
  })
  await scheduler.runWhile(() => running > 0, endMs + 60_000)
  checker.flush()
  counts.steps = scheduler.steps
  return {history, violations: checker.violations, counts}
}

/** A network delay: mostly short, now and then long enough to reorder. */
const delayMs = (rng: Rng): number => (rng.next() < 0.9 ? 0.05 + rng.next() : 1 + rng.int(20))

/** The lock-server node: its disk outlives each run of the process. */
class ServerNode {
  private readonly disk: SimDisk
  private env: SimEnv | undefined
  service: LockService | undefined
  incarnation = 0
  /**
   * Small reservation steps: a reservation write every few grants and every
   * few hundred milliseconds, so crashes often land beside one. The horizon
   * step is often shorter than the longest TTL, so a waiter's lease often
   * reaches past the horizon the recent leases keep: its grant needs a
   * reservation of its own (the checker's "a wait on a free lock ends in a
   * grant"). The step stays well above a reservation write, as on a real disk.
   */
  private readonly options: Partial<LockTableOptions>

  constructor(
    private readonly scheduler: SimScheduler,
    private readonly seed: number,
    private readonly rng: Rng,
  ) {
    this.options = {tokenBlock: 1 + rng.int(20), horizonStepMs: 20 + rng.int(MAX_TTL_MS)}
    this.disk = new SimDisk(scheduler, seed + 2)
    // The data directory exists, durably, before the first start (as `dsys cluster up` makes it).
    ensureDirDurableSync(DATA_DIR, this.disk)
    this.start()
  }

  start(): void {
    this.incarnation++
    this.env = new SimEnv(this.scheduler, this.seed * 1_000 + this.incarnation, {disk: this.disk})
    this.service = new LockService(this.env, DATA_DIR, this.options)
  }

  /** kill -9, or with `powerLoss` the machine's power: unsynced writes go too. */
  crash(powerLoss: boolean): void {
    this.env!.halt()
    if (powerLoss) this.disk.crash(this.rng)
    this.service = undefined
  }
}
