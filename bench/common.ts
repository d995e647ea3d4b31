import {execFileSync, spawn, ChildProcess} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {cpus} from 'node:os'
import {connect} from 'node:net'

/** What the results were measured on, for the top of a RESULTS file. */
export function machineDescription(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  const version = (cmd: string, args: string[]): string => {
    try {
      return execFileSync(cmd, args, {encoding: 'utf8'}).split('\n')[0].trim()
    } catch {
      return 'not installed'
    }
  }
  return [
    `- machine: ${cpus().length} × ${cpu}, Linux ${version('uname', ['-r'])}`,
    `- node ${process.version}; redis-server: ${version('redis-server', ['--version'])}; etcd: ${version('etcd', ['--version'])}`,
    `- date: ${new Date().toISOString()}`,
  ].join('\n')
}

/** Starts a process and resolves once `ready` answers true (polled), or fails after `timeoutMs`. */
export async function startProcess(cmd: string, args: string[], ready: () => Promise<boolean>, timeoutMs = 10_000): Promise<ChildProcess> {
  const child = spawn(cmd, args, {stdio: 'ignore'})
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${cmd} exited with ${child.exitCode}`)
    if (await ready().catch(() => false)) return child
    await new Promise((r) => setTimeout(r, 50))
  }
  child.kill('SIGKILL')
  throw new Error(`${cmd} did not become ready within ${timeoutMs}ms`)
}

export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', {maximumFractionDigits: digits, minimumFractionDigits: digits})

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function tcpReady(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/**
 * CPU time (user + system) a process has used so far, in microseconds, from
 * /proc; undefined where there is no /proc. Clock ticks are taken as 100 a
 * second, Linux's USER_HZ on every mainstream architecture.
 */
export function processCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10_000
  } catch {
    return undefined
  }
}

