import {randomBytes} from 'node:crypto'
import {performance} from 'node:perf_hooks'

import {SeededRng} from '../../core/common/rng.js'
import {realDisk} from './disk.js'
import type {Env, Timer} from './env.js'

/** The Env of a node process: the OS clock, Node's timers, a generator seeded from the OS, node:fs. */
export function realEnv(): Env {
  return {
    now: () => performance.now(),
    wallNow: () => performance.timeOrigin + performance.now(),
    setTimer(delayMs: number, fn: () => void): Timer {
      // A zero delay is the next turn of the event loop; setTimeout would make it a whole millisecond.
      if (delayMs <= 0) {
        const immediate = setImmediate(fn)
        return {cancel: () => clearImmediate(immediate)}
      }
      const timer = setTimeout(fn, delayMs)
      return {cancel: () => clearTimeout(timer)}
    },
    rng: new SeededRng(randomBytes(4).readUInt32LE(0)),
    disk: realDisk,
  }
}
