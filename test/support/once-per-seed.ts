/** Runs a seeded simulation once per seed (tests share the runs); a failure carries the command that replays it. */
export function oncePerSeed<T>(replay: (seed: number) => string, simulate: (seed: number) => Promise<T>): (seed: number) => Promise<T> {
  const runs = new Map<number, Promise<T>>()
  return (seed) => {
    let result = runs.get(seed)
    if (!result) {
      result = simulate(seed).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\nreplay: ${replay(seed)}`, {cause: error})
      })
      runs.set(seed, result)
    }
    return result
  }
}
