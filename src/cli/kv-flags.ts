import {Flags} from '@oclif/core'

import {numberFlag, positiveIntFlag} from './flags.js'
import type {LoadReport} from '../bench/report.js'
import type {KvWorkloadOptions} from '../bench/kv/kv-workload.js'

/** The flags that shape the kv workload, for every command that drives it (bench kv, bench ring). */
export const kvWorkloadFlags = {
  // Half reads, as YCSB's workload A and DESIGN.md's example: the summary promises reads and writes apart.
  'read-ratio': numberFlag(0, 1)({description: 'fraction of operations that are reads (0: writes only)', default: 0.5}),
  keys: positiveIntFlag({description: 'distinct keys', default: 10_000}),
  dist: Flags.string({description: 'key popularity', options: ['uniform', 'zipf'], default: 'uniform'}),
  'zipf-theta': numberFlag(0.01, 0.999)({description: 'skew of --dist zipf (YCSB default 0.99)', default: 0.99}),
  'value-size': positiveIntFlag({description: 'bytes per written value', default: 100}),
  seed: positiveIntFlag({description: 'seed for the choice of keys and of reads vs writes', default: 1}),
}

export function kvWorkloadOptions(flags: {
  'read-ratio': number
  keys: number
  dist: string
  'zipf-theta': number
  'value-size': number
  seed: number
}): KvWorkloadOptions {
  return {
    readRatio: flags['read-ratio'],
    keys: flags.keys,
    dist: flags.dist as 'uniform' | 'zipf',
    zipfTheta: flags['zipf-theta'],
    valueSize: flags['value-size'],
    seed: flags.seed,
  }
}

/** The reads/writes split of the measured window (the harness counts operations by type only after warmup). */
export function readsWritesRow(report: LoadReport): [string, string] {
  const ops = (type: string): string => (report.operations[type]?.ops ?? 0).toLocaleString('en-US')
  return ['reads / writes (measured window)', `${ops('read')} / ${ops('write')}`]
}
