import {createRequire} from 'node:module'
import {performance} from 'node:perf_hooks'

import type CliProgress from 'cli-progress'

import type {CheckObserver} from '../check/nemesis.js'

/**
 * A progress bar for people. It is drawn on `stream` (stderr) and only when
 * that is a terminal: stdout, and so --json's one document, never sees it,
 * and a log file or a pipe gets no control characters.
 */
export interface ProgressBar {
  update(value: number, payload?: Record<string, unknown>): void
  stop(): void
}

const NO_PROGRESS: ProgressBar = {update() {}, stop() {}}

/** `format` takes cli-progress's tokens ({bar}, {value}, {total}…) and the payload's names. */
export function progressBar(format: string, total: number, payload: Record<string, unknown>, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  if (!stream.isTTY) return NO_PROGRESS
  // Loaded here, when a bar is drawn, not at every start of dsys; require (it is CommonJS) keeps progressBar synchronous for ring churn, whose computation does not yield.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress
  // No gracefulExit: its SIGINT handler would keep Ctrl-C from ending the command.
  const bar = new cliProgress.SingleBar({format, stream, barsize: 20, clearOnComplete: true, linewrap: false})
  bar.start(total, 0, payload)
  return {
    update(value, next) {
      bar.update(value, next)
      // Drawn now: the caller may go on computing without yielding to the bar's timer (ring churn).
      bar.render()
    },
    stop: () => bar.stop(),
  }
}

/** How often a check's bar moves on. */
const CHECK_REFRESH_MS = 250

/**
 * A check's progress: seconds of its --duration gone, operations ended and
 * faults started so far, and the fault now on. `stop` before printing the verdict.
 */
export function checkProgress(durationMs: number, stream: NodeJS.WriteStream = process.stderr): {observer: CheckObserver; stop(): void} {
  const totalS = Math.max(1, Math.round(durationMs / 1000))
  let operations = 0
  let faults = 0
  let now = ''
  const payload = () => ({operations, faults, now})
  const bar = progressBar('check [{bar}] {value}/{total} s | {operations} operations | {faults} faults{now}', totalS, payload(), stream)
  if (bar === NO_PROGRESS) return {observer: {}, stop() {}}
  const started = performance.now()
  const draw = () => bar.update(Math.min(totalS, Math.floor((performance.now() - started) / 1000)), payload())
  const timer = setInterval(draw, CHECK_REFRESH_MS)
  timer.unref()
  return {
    observer: {
      operation: () => operations++,
      fault(event, phase) {
        if (phase === 'start') faults++
        now = phase === 'start' ? ` (now: ${event.action} ${event.node})` : ''
        draw()
      },
    },
    stop() {
      clearInterval(timer)
      bar.stop()
    },
  }
}
