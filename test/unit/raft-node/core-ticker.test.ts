import {describe, expect, it} from 'vitest'

import {SeededRng} from '../../../src/core/common/rng.js'
import {RawNode, type Message} from '../../../src/core/raft/index.js'
import {SimEnv, SimScheduler} from '../../../src/runtime/env/sim-scheduler.js'
import {CoreTicker} from '../../../src/nodes/replica/core-ticker.js'

const TICK_MS = 10

/** A RawNode whose ticks are counted and whose messages are collected (as if persisted and sent). */
class CountedNode {
  readonly node: RawNode
  ticks = 0
  readonly sent: Array<{atMs: number; message: Message}> = []
  readonly core = {
    tick: () => {
      this.ticks++
      this.node.tick()
    },
    ticksUntilDue: () => this.node.ticksUntilDue(),
  }

  constructor(id: string, peers: string[], seed: number) {
    this.node = new RawNode({id, peers, rng: new SeededRng(seed), electionTicks: 15, heartbeatTicks: 3})
  }

  drain(atMs: number): void {
    while (this.node.hasReady()) {
      const ready = this.node.ready()
      for (const message of ready.messages) this.sent.push({atMs, message})
      this.node.advance(ready)
    }
  }
}

describe('CoreTicker: an idle replica sleeps until its core is due', () => {
  it('wakes a lone leader once per heartbeat interval, not once per tick, and still counts every tick', async () => {
    const scheduler = new SimScheduler()
    const env = new SimEnv(scheduler, 1)
    const lone = new CountedNode('n1', ['n1'], 1)
    const ticker: CoreTicker = new CoreTicker(env, TICK_MS, lone.core, () => {
      lone.drain(env.now())
      ticker.arm()
    })
    ticker.arm()
    await scheduler.runUntil(1_000)
    ticker.catchUp()
    expect(lone.node.status().role).toBe('leader')
    // 100 ticks of 10 ms in one simulated second; a timer per tick would fire 100 times.
    expect(lone.ticks).toBe(100)
    expect(scheduler.steps).toBeLessThanOrEqual(100 / 3 + 2)
  })

  it('has an isolated follower campaign at the same moment as a timer firing every tick would', async () => {
    const peers = ['n1', 'n2', 'n3']
    const periodicScheduler = new SimScheduler()
    const periodic = new CountedNode('n1', peers, 7)
    const tickEvery = () =>
      periodicScheduler.after(TICK_MS, () => {
        periodic.core.tick()
        periodic.drain(periodicScheduler.now)
        tickEvery()
      })
    tickEvery()
    await periodicScheduler.runWhile(() => periodic.sent.length === 0, 1_000)

    const scheduler = new SimScheduler()
    const env = new SimEnv(scheduler, 1)
    const sleeper = new CountedNode('n1', peers, 7)
    const ticker: CoreTicker = new CoreTicker(env, TICK_MS, sleeper.core, () => {
      sleeper.drain(env.now())
      ticker.arm()
    })
    ticker.arm()
    await scheduler.runWhile(() => sleeper.sent.length === 0, 1_000)

    expect(sleeper.sent[0]).toEqual(periodic.sent[0])
    expect(sleeper.sent[0].message.type).toBe('voteRequest')
    // The sleeper woke once, at its election deadline, instead of once per tick before it.
    expect(scheduler.steps).toBe(1)
    expect(periodicScheduler.steps).toBe(periodic.ticks)
  })

  it('gives the core the ticks that fell due before a message, so a heartbeat resets the election clock as it would with a tick timer', async () => {
    const scheduler = new SimScheduler()
    const env = new SimEnv(scheduler, 1)
    const follower = new CountedNode('n2', ['n1', 'n2', 'n3'], 3)
    const ticker: CoreTicker = new CoreTicker(env, TICK_MS, follower.core, () => {
      follower.drain(env.now())
      ticker.arm()
    })
    ticker.arm()
    // A heartbeat from n1 every 100 ms: well within the 150-300 ms election timeout, so n2 never campaigns.
    const heartbeat = (term: number) => ({type: 'heartbeat', from: 'n1', to: 'n2', term, commit: 0, context: null, leaderTick: 0}) as const
    for (let atMs = 100; atMs <= 2_000; atMs += 100) {
      scheduler.at(atMs, () => {
        ticker.catchUp()
        follower.node.step(heartbeat(1))
        follower.drain(env.now())
        ticker.arm()
      })
    }
    await scheduler.runUntil(2_000)
    ticker.catchUp()
    expect(follower.sent.map((s) => s.message.type)).not.toContain('voteRequest')
    expect(follower.ticks).toBe(200)
  })
})
