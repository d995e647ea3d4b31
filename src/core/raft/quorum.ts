import type {NodeId} from './types.js'

export function majority(voters: number): number {
  return Math.floor(voters / 2) + 1
}

/** The largest index that a majority of `matches` has reached. */
export function quorumIndex(matches: readonly number[]): number {
  const sorted = [...matches].sort((a, b) => b - a)
  return sorted[majority(matches.length) - 1]
}

export type VoteOutcome = 'won' | 'lost' | 'pending'

export function voteOutcome(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteOutcome {
  let granted = 0
  let rejected = 0
  for (const voter of voters) {
    const vote = votes.get(voter)
    if (vote === true) granted++
    else if (vote === false) rejected++
  }
  const needed = majority(voters.length)
  if (granted >= needed) return 'won'
  if (rejected > voters.length - needed) return 'lost'
  return 'pending'
}
