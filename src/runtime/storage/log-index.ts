/**
 * Log indices (WAL record numbers, snapshot coverage) are safe integers.
 * On disk they are u64 big-endian, and in file names 16 zero-padded digits,
 * so that name order is index order.
 */

export function indexFileName(index: number, extension: string): string {
  return `${String(index).padStart(16, '0')}.${extension}`
}

/** Matches names made by indexFileName; group 1 is the index. */
export function indexFileNamePattern(extension: string): RegExp {
  return new RegExp(`^(\\d{16})\\.${extension}$`)
}

export function writeIndexU64(buf: Buffer, index: number, offset: number): void {
  buf.writeUInt32BE(Math.floor(index / 2 ** 32), offset)
  buf.writeUInt32BE(index >>> 0, offset + 4)
}

export function readIndexU64(buf: Buffer, offset: number): number {
  return buf.readUInt32BE(offset) * 2 ** 32 + buf.readUInt32BE(offset + 4)
}
