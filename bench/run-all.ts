/**
 * `npm run bench`: runs every benchmark script, then assembles
 * bench/RESULTS.md from the sections they write to bench/results/.
 *
 *   node dist/bench/run-all.js [--quick] [--only lock,ring]
 */
import {spawnSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

const quick = process.argv.includes('--quick')
const onlyArg = process.argv.indexOf('--only')
const only = onlyArg > 0 ? process.argv[onlyArg + 1].split(',') : undefined

/** Each script writes bench/results/<name>.md; order here is the order in RESULTS.md. */
const SCRIPTS: Array<{name: string; script: string; args: string[]; quickArgs: string[]}> = [
  {name: 'harness', script: 'dist/bench/harness/compare.js', args: ['--duration', '5s', '--rounds', '3'], quickArgs: ['--duration', '2s', '--rounds', '1']},
  {name: 'lock', script: 'dist/bench/lock/compare.js', args: ['--duration', '10s'], quickArgs: ['--duration', '3s']},
  {name: 'lock-peers', script: 'dist/bench/lock/peers.js', args: ['--duration', '5s', '--rounds', '3'], quickArgs: ['--duration', '2s', '--rounds', '1']},
  {name: 'kv', script: 'dist/bench/kv/compare-etcd.js', args: ['--duration', '5s', '--warmup', '1s'], quickArgs: ['--duration', '3s', '--trials', '5']},
  {name: 'kv-protocols', script: 'dist/bench/kv/protocols.js', args: [], quickArgs: ['--quick']},
  {name: 'ring', script: 'dist/bench/ring-churn.js', args: [], quickArgs: []},
  {name: 'txn', script: 'dist/bench/txn/compare.js', args: ['--duration', '10s'], quickArgs: ['--duration', '3s']},
  {name: 'idle', script: 'dist/bench/idle-cpu.js', args: ['--duration', '10s'], quickArgs: ['--duration', '5s']},
]

for (const s of SCRIPTS) {
  if (only && !only.includes(s.name)) continue
  if (!existsSync(s.script)) {
    process.stderr.write(`bench: ${s.script} is missing (run npm run build)\n`)
    process.exitCode = 1
    continue
  }
  process.stderr.write(`bench: ${s.name}\n`)
  const run = spawnSync(process.execPath, [s.script, ...(quick ? s.quickArgs : s.args)], {stdio: ['ignore', 'ignore', 'inherit']})
  if (run.status !== 0) {
    process.stderr.write(`bench: ${s.name} failed with exit code ${run.status}\n`)
    process.exitCode = 1
  }
}

const dir = 'bench/results'
const order = SCRIPTS.map((s) => s.name)
const sections = readdirSync(dir)
  .filter((f) => f.endsWith('.md'))
  .sort((a, b) => rank(a) - rank(b))
  .map((f) => readFileSync(join(dir, f), 'utf8').trim())

writeFileSync(
  'bench/RESULTS.md',
  [
    '# dsys benchmark results',
    '',
    'Produced by `npm run bench` (each section by its script in bench/, named at its top). Every comparison was measured in one run on one machine, dsys and its baseline alternating on the same harness; the machine has two cores shared by the servers and the load driver, so read ratios rather than absolute numbers.',
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n'),
)
process.stderr.write('bench: wrote bench/RESULTS.md\n')

function rank(file: string): number {
  const i = order.indexOf(file.replace(/\.md$/, ''))
  return i < 0 ? order.length : i
}
