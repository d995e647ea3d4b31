/**
 * The name of the next shard: `ring-shard-N`, one past the highest N among
 * `names`. A removed shard's data directory is purged, so reusing the
 * highest name after its removal is safe.
 */
export function nextShardName(names: readonly string[]): string {
  let next = 1
  for (const name of names) {
    const match = /^ring-shard-(\d+)$/.exec(name)
    if (match) next = Math.max(next, Number(match[1]) + 1)
  }
  return `ring-shard-${next}`
}
