import {join} from 'node:path'
import type {Disk} from '../env/disk.js'
import {indexFileName, indexFileNamePattern} from './log-index.js'

/**
 * A WAL directory holds segment files named after the index of their first
 * record, zero-padded so that name order is log order: `0000000000000001.wal`.
 */
export type SegmentFile = {firstIndex: number; path: string}

const SEGMENT_NAME = indexFileNamePattern('wal')

export function segmentPath(dir: string, firstIndex: number): string {
  return join(dir, indexFileName(firstIndex, 'wal'))
}

/** The segment files in `dir`, oldest first. Other files are ignored. */
export function listSegmentFilesSync(dir: string, disk: Disk): SegmentFile[] {
  const segments: SegmentFile[] = []
  for (const name of disk.readdirSync(dir)) {
    const match = SEGMENT_NAME.exec(name)
    if (match) segments.push({firstIndex: Number(match[1]), path: join(dir, name)})
  }
  return segments.sort((a, b) => a.firstIndex - b.firstIndex)
}
