import type {Rng} from '../common/rng.js'

/**
 * `count` distinct keys like "k3f9a01c2d4e5b677": 64 random bits from the
 * caller's seeded Rng, so a key set replays exactly from its seed.
 */
export function syntheticKeys(count: number, rng: Rng): string[] {
  const keys = new Set<string>()
  while (keys.size < count) {
    keys.add('k' + hex32(rng.int(0x1_0000_0000)) + hex32(rng.int(0x1_0000_0000)))
  }
  return [...keys]
}

/** One key per non-empty line (trimmed), duplicates dropped, first occurrence's order kept. */
export function keysFromText(text: string): string[] {
  const keys = new Set<string>()
  for (const line of text.split('\n')) {
    const key = line.trim()
    if (key !== '') keys.add(key)
  }
  return [...keys]
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0')
}
