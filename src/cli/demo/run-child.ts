import {spawn} from 'node:child_process'

export interface ChildOutcome {
  /** The exit code; null when a signal ended the process. */
  code: number | null
  stdout: string
  /** The end of its stderr (the error line is the last one). */
  stderrTail: string
  /** `signal` fired while it ran, and it was stopped. */
  aborted: boolean
  seconds: number
}

const STDERR_TAIL_CHARS = 8_192
/** How long a stopped step has after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 2_000

/**
 * Runs `node script ...args` to its end and collects its output. The child
 * leads its own process group, so a Ctrl-C at the terminal reaches the demo
 * alone and the demo decides what stops and in which order: on `signal` the
 * whole group gets SIGTERM, then SIGKILL after a grace period.
 */
export function runChild(script: string, args: string[], signal: AbortSignal): Promise<ChildOutcome> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}})
    let stdout = ''
    let stderrTail = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS)))
    let killTimer: NodeJS.Timeout | undefined
    const stop = () => {
      signalGroup(child.pid, 'SIGTERM')
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), STOP_GRACE_MS)
    }
    if (signal.aborted) stop()
    else signal.addEventListener('abort', stop, {once: true})
    child.on('error', reject)
    child.on('close', (code) => {
      signal.removeEventListener('abort', stop)
      clearTimeout(killTimer)
      resolve({code, stdout, stderrTail, aborted: signal.aborted, seconds: (performance.now() - started) / 1000})
    })
  })
}

function signalGroup(pid: number | undefined, name: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, name)
  } catch {
    // The group has ended already.
  }
}
