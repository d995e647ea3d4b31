import {type Hook, toConfiguredId} from '@oclif/core'

import {UsageError} from '../core/common/usage-error.js'

/**
 * An unknown command is a usage error naming the nearest command, as it is
 * typed ("dsys cluster status"). Not @oclif/plugin-not-found: it asks "Did you
 * mean…?" when stdin is a terminal, prints two lines and exits 127, with no
 * option to do otherwise.
 */
const commandNotFound: Hook.CommandNotFound = async function ({config, id}) {
  const ids = config.commands.filter((c) => !c.hidden).map((c) => c.id)
  const nearest = ids.reduce((best, c) => (editDistance(id, c) < editDistance(id, best) ? c : best))
  const typed = (commandId: string) => `${config.bin} ${toConfiguredId(commandId, config)}`
  throw new UsageError(`${typed(id)} is not a ${config.bin} command; did you mean ${typed(nearest)}?`)
}

export default commandNotFound

/** Levenshtein distance: the fewest single-character edits from a to b. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}
