import type {Env} from './env.js'

/** Resolves `delayMs` from now on the Env's clock (simulated time in a simulation). */
export function sleep(env: Pick<Env, 'setTimer'>, delayMs: number): Promise<void> {
  return new Promise((resolve) => env.setTimer(delayMs, resolve))
}
