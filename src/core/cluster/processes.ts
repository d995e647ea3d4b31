import {readdirSync, readFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'

/**
 * Whether `pid` is alive and is still the node started with `configPath`
 * (a pid can be reused by an unrelated process after the node died).
 */
export function isNodeAlive(pid: number, configPath: string): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    if (cmdline.length === 0) return false // a zombie
    return cmdline.includes(configPath)
  } catch {
    return true // no /proc: trust kill(0)
  }
}

/** The processes started with `configPath` on their command line (a node's), from /proc; none where there is no /proc. */
export function processesStartedWith(configPath: string): number[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return []
  }
  return entries.map(Number).filter((pid) => pid !== process.pid && isNodeAlive(pid, configPath))
}

export const SIGNALS = ['KILL', 'TERM', 'STOP', 'CONT', 'INT'] as const
export type SignalName = (typeof SIGNALS)[number]

export function signalNode(pid: number, signal: SignalName): void {
  process.kill(pid, `SIG${signal}`)
}

export {sleep}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopProcess(pid: number, configPath: string, graceMs: number): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isNodeAlive(pid, configPath)) return 'not-running'
  try {
    // A stopped (SIGSTOP) process cannot act on SIGTERM until continued.
    process.kill(pid, 'SIGCONT')
    process.kill(pid, 'SIGTERM')
  } catch {
    return 'not-running'
  }
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline) {
    if (!isNodeAlive(pid, configPath)) return 'stopped'
    await sleep(25)
  }
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    return 'stopped'
  }
  for (let i = 0; i < 200 && isNodeAlive(pid, configPath); i++) await sleep(10)
  return 'killed'
}
