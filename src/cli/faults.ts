import {Flags} from '@oclif/core'

import {Fault, FAULTS} from '../core/check/nemesis.js'
import {durationFlag, positiveIntFlag} from './flags.js'

/** The nemesis flags of a `dsys check` command whose subsystem can suffer `faults` (all of them by default). */
export function nemesisFlags(faults: readonly Fault[]) {
  return {
    faults: Flags.string({description: `comma-separated faults to inject: ${faults.join(', ')}, or none`, default: faults.join(',')}),
    'fault-interval': durationFlag({description: 'how long each fault lasts, and the pause before the next', default: 3_000}),
    seed: positiveIntFlag({description: "seed of the clients' and the nemesis' choices (default: from the clock)"}),
  }
}

/** `--faults kill,pause` (or `none`) as a list; a name not in `allowed` goes to `fail` with the choices. */
export function parseFaults(text: string, allowed: readonly Fault[], fail: (message: string) => never): Fault[] {
  if (text.trim() === 'none') return []
  const names = text.split(',').map((f) => f.trim())
  const unknown = names.find((f) => !(allowed as readonly string[]).includes(f))
  if (unknown !== undefined) fail(`unknown fault "${unknown}" here; choose from: ${allowed.join(', ')}, none`)
  return names as Fault[]
}
