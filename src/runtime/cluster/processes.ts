import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

const PROC = '/proc'

/** `pid`'s command line (its arguments joined by NULs; '' for a zombie), or undefined when no such process runs. */
function commandLine(pid: number, procDir: string): string | undefined {
  try {
    return readFileSync(join(procDir, String(pid), 'cmdline'), 'utf8')
  } catch {
    return undefined
  }
}

/**
 * Whether `pid` is alive and is still the node started with `configPath`
 * (a pid can be reused by an unrelated process after the node died).
 */
export function isNodeAlive(pid: number, configPath: string): boolean {
  // /proc answers for every user's processes; kill(0) fails with EPERM on another user's, alive or reused.
  if (existsSync(PROC)) return commandLine(pid, PROC)?.includes(configPath) ?? false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The processes (other than this one) with each of `paths` on their command
 * line (a node has its config path there), from one scan of `procDir`;
 * none where there is no /proc.
 */
export function processesStartedWith(paths: readonly string[], procDir = PROC): Map<string, number[]> {
  const found = new Map(paths.map((path) => [path, [] as number[]]))
  let pids: number[]
  try {
    pids = readdirSync(procDir).filter((name) => /^\d+$/.test(name)).map(Number)
  } catch {
    return found
  }
  for (const pid of pids) {
    if (pid === process.pid) continue
    // A process that ended since the scan has no command line any more.
    const cmdline = commandLine(pid, procDir)
    if (cmdline) for (const path of paths) if (cmdline.includes(path)) found.get(path)!.push(pid)
  }
  return found
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
