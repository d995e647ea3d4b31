import {Flags} from '@oclif/core'

import {formatDurationMs, parseDurationMs} from '../core/common/duration.js'

/**
 * A duration flag with units ("500ms", "10s", "2m"), parsed to milliseconds.
 * Its default is given in ms and shown in help with a unit ("[default: 5s]"),
 * so what help shows can be typed back. `min` (ms) refuses shorter values as
 * a usage error: `min: 1` where zero makes no sense (a run of 0s).
 */
export const durationFlag = Flags.custom<number, {min?: number}>({
  parse: async (input, _ctx, opts) => {
    const ms = parseDurationMs(input)
    if (opts.min !== undefined && ms < opts.min) throw new Error(`--${opts.name} must be at least ${formatDurationMs(opts.min)}, got "${input}"`)
    return ms
  },
  defaultHelp: async ({options}) => (typeof options.default === 'number' ? formatDurationMs(options.default) : undefined),
})

/** A strictly positive integer flag; "abc", "0" and "1.5" are rejected with a clear message. */
export const positiveIntFlag = Flags.custom<number>({
  parse: async (input, _ctx, opts) => {
    if (!/^\d+$/.test(input.trim()) || Number(input) < 1) {
      throw new Error(`--${opts.name} must be a positive integer, got "${input}"`)
    }
    return Number(input)
  },
})

/** A non-negative integer flag. */
export const countFlag = Flags.custom<number>({
  parse: async (input, _ctx, opts) => {
    if (!/^\d+$/.test(input.trim())) throw new Error(`--${opts.name} must be a non-negative integer, got "${input}"`)
    return Number(input)
  },
})

/** A number flag within [min, max]. */
export function numberFlag(min: number, max: number) {
  return Flags.custom<number>({
    parse: async (input, _ctx, opts) => {
      const n = Number(input)
      if (input.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
        throw new Error(`--${opts.name} must be a number in [${min}, ${max}], got "${input}"`)
      }
      return n
    },
  })
}
