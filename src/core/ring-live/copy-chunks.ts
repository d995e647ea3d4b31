export interface KvEntry {
  key: string
  value: string
}

export interface CopyChunk {
  entries: KvEntry[]
  /** UTF-8 bytes of the keys and values: what the report calls bytes moved. */
  bytes: number
}

/**
 * Splits migration copies into request bodies of at most `maxJsonBytes`
 * (as JSON), so every body fits the shard's limit; an entry bigger than that
 * alone gets a chunk of its own (the limits keep it under the shard's cap).
 */
export function chunkByBytes(entries: readonly KvEntry[], maxJsonBytes: number): CopyChunk[] {
  const chunks: CopyChunk[] = []
  let current: CopyChunk = {entries: [], bytes: 0}
  let jsonBytes = 0
  for (const entry of entries) {
    const size = Buffer.byteLength(JSON.stringify(entry)) + 1
    if (current.entries.length > 0 && jsonBytes + size > maxJsonBytes) {
      chunks.push(current)
      current = {entries: [], bytes: 0}
      jsonBytes = 0
    }
    current.entries.push(entry)
    current.bytes += Buffer.byteLength(entry.key) + Buffer.byteLength(entry.value)
    jsonBytes += size
  }
  if (current.entries.length > 0) chunks.push(current)
  return chunks
}
