import {execFileSync, spawn, ChildProcess} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {cpus} from 'node:os'
import {connect} from 'node:net'

import {freePorts} from '../src/runtime/cluster/ports.js'

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
  // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
  return pid === undefined ? undefined : procStatMicros(pid, 11, 12)
}

/** CPU time this process's children used, counted once they were waited for (so a child run with execFileSync), as processCpuMicros. */
export function waitedChildrenCpuMicros(): number | undefined {
  // cutime and cstime follow utime and stime.
  return procStatMicros(process.pid, 13, 14)
}

function procStatMicros(pid: number, user: number, system: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[user]) + Number(fields[system])) * 10_000
  } catch {
    return undefined
  }
}

// The median round: one disturbed round on a shared machine does not decide a ratio.
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** The round whose throughput is the median's (the first such in round order): the row a results table shows. */
export function medianRound<T>(rounds: readonly T[], throughput: (round: T) => number): T {
  const m = median(rounds.map(throughput))
  return rounds.find((r) => throughput(r) === m)!
}

/** One line of a results section's target list: the measured value, and whether it met the target. */
export function verdict(what: string, actual: number, limit: number, op: '≥' | '≤', digits = 3, unit = ''): string {
  const met = op === '≥' ? actual >= limit : actual <= limit
  return `- ${what}: ${actual.toFixed(digits)}${unit} (${met ? 'met' : 'MISSED'})`
}

/**
 * The trivial endpoint the harness is calibrated on: node:http answering
 * every GET with `{}`, in its own process (so on its own core, not the
 * driver's). Two scripted behaviours, off unless asked for:
 * - `GET /?delay=MS` answers after MS milliseconds (a timer, no CPU), so a
 *   closed loop of `rate × MS` clients runs at a chosen rate;
 * - `GET /stall?ms=MS` (answered at once) stops answering for MS: every
 *   request that arrives, or is waiting, meanwhile is answered when it ends.
 */
const TRIVIAL_ENDPOINT = `
const {performance} = require('node:perf_hooks')
let stallEndMs = 0
const answer = (res) => { res.writeHead(200, {'content-type': 'application/json', 'content-length': 2}); res.end('{}') }
const answerAfterStall = (res) => {
  const waitMs = stallEndMs - performance.now()
  if (waitMs > 0) setTimeout(answerAfterStall, waitMs, res)
  else answer(res)
}
require('node:http').createServer((req, res) => {
  if (req.url.length > 1) {
    const url = new URL(req.url, 'http://endpoint')
    if (url.pathname === '/stall') {
      stallEndMs = performance.now() + Number(url.searchParams.get('ms'))
      return answer(res)
    }
    const delayMs = Number(url.searchParams.get('delay') ?? 0)
    if (delayMs > 0) return setTimeout(answerAfterStall, delayMs, res)
  }
  answerAfterStall(res)
}).listen(Number(process.argv[1]), '127.0.0.1')
`

export interface TrivialEndpoint {
  /** http://127.0.0.1:PORT/ */
  url: string
  pid: number | undefined
  stop(): void
}

export async function startTrivialEndpoint(): Promise<TrivialEndpoint> {
  const [port] = await freePorts('127.0.0.1', 1)
  const url = `http://127.0.0.1:${port}/`
  const child = await startProcess(process.execPath, ['-e', TRIVIAL_ENDPOINT, String(port)], async () => (await fetch(url)).ok)
  return {url, pid: child.pid, stop: () => child.kill('SIGKILL')}
}

/**
 * `wrk -t threads -c connections -d seconds` on `url` (closed loop, like
 * the harness without --rate): requests/s and wrk's own CPU per request
 * (undefined without /proc); undefined when wrk is not installed.
 */
export function runWrk(url: string, o: {threads: number; connections: number; seconds: number}): {perSecond: number; cpuMicrosPerRequest: number | undefined} | undefined {
  const cpuBefore = waitedChildrenCpuMicros()
  let out: string
  try {
    out = execFileSync('wrk', [`-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, url], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  const cpuAfter = waitedChildrenCpuMicros()
  const perSecond = /Requests\/sec:\s+([0-9.]+)/.exec(out)?.[1]
  const requests = /(\d+) requests in/.exec(out)?.[1]
  if (perSecond === undefined || requests === undefined) throw new Error(`wrk printed no Requests/sec:\n${out}`)
  const cpuMicrosPerRequest = cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / Math.max(1, Number(requests))
  return {perSecond: Number(perSecond), cpuMicrosPerRequest}
}
