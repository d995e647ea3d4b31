import {join} from 'node:path'

/**
 * What `dsys demo` runs: one short run of each subsystem, each a dsys command
 * whose --json result is saved in the output directory. The durations keep the
 * whole demo under two minutes on a 2-core machine (about 70 s measured);
 * `quick` is the same tour in seconds, for the tests.
 */
export interface DemoStep {
  /** The command's name, as the progress lines and the report label it: 'bench lock'. */
  name: string
  /** What it does, for someone who has never run dsys. */
  about: string
  /** The command line after `dsys`, without --json and --data-dir (the demo adds those). */
  args: string[]
  /** The result file, in the output directory. */
  file: string
}

interface Timing {
  warmup: string
  bench: string
  /** bench ring runs longer, so the shard it adds joins in the middle. */
  ring: string
  ringAddAt: string
  ringKeys: number
  check: string
  faultInterval: string
  churnKeys: number
}

const FULL: Timing = {warmup: '1s', bench: '5s', ring: '8s', ringAddAt: '4s', ringKeys: 2000, check: '10s', faultInterval: '3s', churnKeys: 100_000}
const QUICK: Timing = {warmup: '300ms', bench: '2s', ring: '3s', ringAddAt: '1500ms', ringKeys: 200, check: '3s', faultInterval: '1s', churnKeys: 5_000}

/** The steps in the order they run (the report keeps it); `outDir` receives check kv's history. */
export function demoSteps(outDir: string, quick: boolean): DemoStep[] {
  const t = quick ? QUICK : FULL
  const load = ['--clients', '16', '--warmup', t.warmup]
  return [
    {
      name: 'bench lock',
      about: `16 clients contend for one lock for ${t.bench}`,
      args: ['bench', 'lock', ...load, '--locks', '1', '--duration', t.bench],
      file: 'bench-lock.json',
    },
    {
      name: 'bench kv',
      about: `16 clients read and write the Raft KV (3 replicas) for ${t.bench}`,
      args: ['bench', 'kv', ...load, '--read-ratio', '0.5', '--duration', t.bench],
      file: 'bench-kv.json',
    },
    {
      name: 'bench ring',
      about: `load through the hash-ring router for ${t.ring}; a 4th shard joins ${t.ringAddAt} in`,
      args: ['bench', 'ring', ...load, '--keys', String(t.ringKeys), '--duration', t.ring, '--add-node-at', t.ringAddAt],
      file: 'bench-ring.json',
    },
    {
      name: 'bench txn',
      about: `two-phase commits over 2 of 3 participants for ${t.bench}`,
      args: ['bench', 'txn', ...load, '--duration', t.bench],
      file: 'bench-txn.json',
    },
    {
      name: 'check kv',
      about: `5 clients on the Raft KV for ${t.check} while the Raft leader is killed and restarted: is the history linearizable?`,
      args: ['check', 'kv', '--faults', 'kill', '--victim', 'leader', '--fault-interval', t.faultInterval, '--duration', t.check, '--clients', '5', '--seed', '1', '--history', join(outDir, 'check-kv-history.jsonl')],
      file: 'check-kv.json',
    },
    {
      name: 'ring churn',
      about: `how many of ${t.churnKeys.toLocaleString('en-US')} keys six placement algorithms move when an 11th node joins`,
      args: ['ring', 'churn', '--algo', 'all', '--nodes', '10', '--add', '1', '--keys', String(t.churnKeys)],
      file: 'ring-churn.json',
    },
  ]
}
