import {Flags} from '@oclif/core'

import {Fault, FAULTS} from '../core/check/nemesis.js'
import {durationFlag, positiveIntFlag} from './flags.js'

/** The nemesis flags every `dsys check` command takes. */
export const nemesisFlags = {
  faults: Flags.string({description: `comma-separated faults to inject: ${FAULTS.join(', ')}, or none`, default: FAULTS.join(',')}),
  'fault-interval': durationFlag({description: 'how long each fault lasts, and the pause before the next', default: 3_000}),
  seed: positiveIntFlag({description: "seed of the clients' and the nemesis' choices (default: from the clock)"}),
}

/** `--faults partition,kill` (or `none`) as a list; an unknown name goes to `fail` with the choices. */
export function parseFaults(text: string, fail: (message: string) => never): Fault[] {
  if (text.trim() === 'none') return []
  const names = text.split(',').map((f) => f.trim())
  const unknown = names.find((f) => !(FAULTS as readonly string[]).includes(f))
  if (unknown !== undefined) fail(`unknown fault "${unknown}"; choose from: ${FAULTS.join(', ')}, none`)
  return names as Fault[]
}
