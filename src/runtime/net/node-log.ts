import {appendFileSync} from 'node:fs'

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

/**
 * Appends one JSON line per event to the node's log file. Writes are
 * synchronous so the lines before a crash are on disk when the process dies.
 * Logging is for lifecycle and errors, never per request.
 */
export function fileLogger(path: string, base: Record<string, unknown>): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>): void => {
    appendFileSync(path, JSON.stringify({time: new Date().toISOString(), level, ...base, message, ...fields}) + '\n')
  }
  return {
    info: (message, fields) => write('info', message, fields),
    error: (message, fields) => write('error', message, fields),
  }
}
